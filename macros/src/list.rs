//! Comma-separated lists (the attribute's arguments, the labels inside `labels(...)`) parsed item
//! by item: each item is its own token stream, so a malformed one is reported without hiding the
//! ones after it, and syn's leftovers of one item never turn into errors about another.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;

use crate::errors::Errors;

/// One item of a list, and where it ends: the comma after it, or the end of the list.
struct Item {
    tokens: TokenStream,
    end: Span,
}

/// Parses each item of a list as `path`, `path = value` or `path(...)`, with `parse` reading what
/// follows the path. An item's error is reported to `errors` and the next item is parsed; so is
/// an empty item before a comma, saying `what` was expected there (a trailing comma is allowed).
/// `end` is where the list ends: its closing delimiter, or its last token.
pub(crate) fn parse_items(
    list: TokenStream,
    end: Span,
    what: &str,
    errors: &mut Errors,
    mut parse: impl FnMut(&ParseNestedMeta, &mut Errors) -> syn::Result<()>,
) {
    for item in items(list, end, what) {
        let Some(Item { tokens, end }) = errors.push_result(item) else {
            continue;
        };
        let parsed = syn::meta::parser(|meta| parse(&meta, errors)).parse2(tokens);
        if let Err(error) = parsed {
            // An item is a token stream of its own, whose end syn reports at the call site: the
            // whole attribute. Such errors are moved to where the item ends.
            for message in error {
                errors.push(
                    if message.to_string().starts_with("unexpected end of input") {
                        syn::Error::new(end, message.to_string())
                    } else {
                        message
                    },
                );
            }
        }
    }
}

/// Splits a list at its top-level commas; an empty item before a comma is an error on that
/// comma.
fn items(list: TokenStream, end: Span, what: &str) -> Vec<syn::Result<Item>> {
    let mut items = Vec::new();
    let mut tokens = TokenStream::new();
    for token in list {
        match token {
            TokenTree::Punct(comma) if comma.as_char() == ',' => {
                let item = std::mem::take(&mut tokens);
                items.push(if item.is_empty() {
                    Err(syn::Error::new(
                        comma.span(),
                        format!("expected {what} before this `,`"),
                    ))
                } else {
                    Ok(Item {
                        tokens: item,
                        end: comma.span(),
                    })
                });
            }
            other => tokens.extend([other]),
        }
    }
    if !tokens.is_empty() {
        items.push(Ok(Item { tokens, end }));
    }
    items
}

/// The span to report "the list ends here" on: its last token, or `fallback` when it is empty.
pub(crate) fn last_span(list: &TokenStream, fallback: Span) -> Span {
    list.clone()
        .into_iter()
        .last()
        .map_or(fallback, |token| token.span())
}

#[cfg(test)]
mod tests {
    use super::items;
    use proc_macro2::{Span, TokenStream};

    fn split(list: &str) -> Vec<Result<String, String>> {
        let list: TokenStream = list.parse().unwrap();
        items(list, Span::call_site(), "an argument")
            .into_iter()
            .map(|item| {
                item.map(|item| item.tokens.to_string())
                    .map_err(|error| error.to_string())
            })
            .collect()
    }

    #[test]
    fn splits_at_top_level_commas_only() {
        assert_eq!(
            split(r#"name = "x", labels(a = "b", c), buckets = [1, 2],"#),
            [
                Ok(r#"name = "x""#.to_owned()),
                Ok(r#"labels (a = "b" , c)"#.to_owned()),
                Ok("buckets = [1 , 2]".to_owned()),
            ]
        );
        assert!(split("").is_empty());
    }

    #[test]
    fn an_empty_item_before_a_comma_is_an_error() {
        let expected = Err("expected an argument before this `,`".to_owned());
        assert_eq!(
            split(", skip,, crate = x"),
            [
                expected.clone(),
                Ok("skip".to_owned()),
                expected,
                Ok("crate = x".to_owned()),
            ]
        );
    }
}

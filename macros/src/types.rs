//! The function's types written inside its body, as the generic arguments that pin what the body
//! returns: `impl Trait` left to inference, named lifetimes left to the borrow checker.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Ident, ReturnType};

use crate::future;

/// The declared return type as a generic argument.
pub(crate) fn return_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => generic_argument(ty.to_token_stream()),
    }
}

/// The output of the future a function returns, as a generic argument. Left to inference, a tail
/// such as `.collect()` is still unknown when `classify` is checked, which then assumes a
/// `Result`; so it is written out when the signature spells it (`impl Future<Output = T>`,
/// `Pin<Box<dyn Future<Output = T>>>`), else projected from a nameable return type (an alias
/// such as `BoxFuture<T>`), and inferred only when neither is possible.
pub(crate) fn future_output(output: &ReturnType) -> TokenStream {
    if let Some(ty) = future::future_output(output) {
        return generic_argument(ty.to_token_stream());
    }
    match output {
        ReturnType::Type(_, ty) if nameable(&ty.to_token_stream()) => {
            let ty = elided(ty.to_token_stream());
            quote!(<#ty as ::core::future::Future>::Output)
        }
        _ => quote!(_),
    }
}

/// The type as a generic argument, or `_` (inferred) where it cannot be written as one.
fn generic_argument(ty: TokenStream) -> TokenStream {
    if nameable(&ty) { elided(ty) } else { quote!(_) }
}

/// Whether any token, nested ones included, is one `found` is looking for.
pub(crate) fn any_token(tokens: &TokenStream, found: &impl Fn(&TokenTree) -> bool) -> bool {
    tokens.clone().into_iter().any(|token| match &token {
        TokenTree::Group(group) => any_token(&group.stream(), found),
        other => found(other),
    })
}

/// Whether the type has a function type in it (`fn(&'a str)`, `dyn Fn(&'a str) -> bool`): an
/// elided lifetime there is a higher-ranked one, not the same lifetime, so such a type is written
/// out as the signature has it.
fn has_function_type(ty: &TokenStream) -> bool {
    any_token(ty, &|token| {
        matches!(token, TokenTree::Ident(ident)
            if ["fn", "Fn", "FnMut", "FnOnce"].iter().any(|word| ident == word))
    })
}

/// The type with its named lifetimes written `'_`, as a type inside a body may be: the borrow
/// checker infers the same ones. A lifetime named in the body would keep clippy from saying that
/// the signature's could be elided (`needless_lifetimes`). `'static` and lifetimes bound by
/// `for<..>` in the type stay, and a type with a function type in it is left as it is.
fn elided(ty: TokenStream) -> TokenStream {
    if has_function_type(&ty) {
        return ty;
    }
    fn bound(tokens: &[TokenTree], found: &mut Vec<String>) {
        for (index, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(word) if word == "for" => {
                    let mut depth = 0;
                    for token in &tokens[index + 1..] {
                        match token {
                            TokenTree::Punct(punct) if punct.as_char() == '<' => depth += 1,
                            TokenTree::Punct(punct) if punct.as_char() == '>' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            TokenTree::Ident(name) if depth > 0 => found.push(name.to_string()),
                            _ if depth == 0 => break,
                            _ => {}
                        }
                    }
                }
                TokenTree::Group(group) => {
                    bound(&group.stream().into_iter().collect::<Vec<_>>(), found);
                }
                _ => {}
            }
        }
    }
    fn replace(tokens: TokenStream, kept: &[String]) -> TokenStream {
        let mut lifetime = false;
        tokens
            .into_iter()
            .map(|token| {
                let after_tick = std::mem::replace(
                    &mut lifetime,
                    matches!(&token, TokenTree::Punct(tick) if tick.as_char() == '\''),
                );
                match token {
                    TokenTree::Ident(name) if after_tick && !kept.contains(&name.to_string()) => {
                        TokenTree::Ident(Ident::new("_", name.span()))
                    }
                    TokenTree::Group(group) => {
                        let mut replaced = proc_macro2::Group::new(
                            group.delimiter(),
                            replace(group.stream(), kept),
                        );
                        replaced.set_span(group.span());
                        TokenTree::Group(replaced)
                    }
                    other => other,
                }
            })
            .collect()
    }
    let mut kept = vec!["static".to_owned()];
    bound(&ty.clone().into_iter().collect::<Vec<_>>(), &mut kept);
    replace(ty, &kept)
}

/// Whether a type can be written as a generic argument: `impl Trait` cannot.
fn nameable(ty: &TokenStream) -> bool {
    !any_token(
        ty,
        &|token| matches!(token, TokenTree::Ident(ident) if ident == "impl"),
    )
}

//! The arguments of `#[instrument_metrics(...)]`, parsed into a typed struct.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{Expr, Path, Token};

/// Every argument the attribute accepts, for error messages.
const ACCEPTED: &[&str] = &["crate"];

#[derive(Default)]
pub(crate) struct Args {
    /// The path to the runtime, for code that reaches it through a re-export.
    pub(crate) krate: Option<Path>,
}

impl Args {
    /// Parses all arguments, reporting every problem found, not only the first.
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Args> {
        let mut args = Args::default();
        let mut errors: Option<syn::Error> = None;
        let mut report = |error: syn::Error| match &mut errors {
            Some(errors) => errors.combine(error),
            None => errors = Some(error),
        };
        syn::meta::parser(|meta| {
            if meta.path.is_ident("crate") {
                let path: Path = meta.value()?.parse()?;
                if args.krate.replace(path).is_some() {
                    report(meta.error("`crate` is given twice"));
                }
                return Ok(());
            }
            let path = &meta.path;
            let name = quote::quote!(#path).to_string().replace(' ', "");
            report(meta.error(unknown_argument(&name)));
            // Skip the unknown argument's value so the ones after it are still checked.
            if meta.input.peek(Token![=]) {
                meta.value()?.parse::<Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|nested| {
                    if nested.input.peek(Token![=]) {
                        nested.value()?.parse::<Expr>()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
        .parse2(tokens)?;
        match errors {
            Some(errors) => Err(errors),
            None => Ok(args),
        }
    }
}

fn unknown_argument(name: &str) -> String {
    let accepted = ACCEPTED.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
    let suggestion = ACCEPTED
        .iter()
        .find(|candidate| edit_distance(name, candidate) <= 2)
        .map(|candidate| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default();
    format!("unknown argument `{name}`; accepted arguments: {accepted}{suggestion}")
}

/// Levenshtein distance, for suggesting the argument a typo meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

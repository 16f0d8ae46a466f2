//! The arguments of `#[instrument_metrics(...)]`, parsed into a typed struct.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, LitStr, Path, Token};

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
        let parsed = syn::meta::parser(|meta| {
            if meta.path.is_ident("crate") {
                let path = crate_path(&meta)?;
                if args.krate.replace(path).is_some() {
                    report(syn::Error::new_spanned(
                        &meta.path,
                        "`crate` is given twice; keep one",
                    ));
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
                // Whatever is inside, unparsed: its form is unknown too.
                meta.input.parse::<proc_macro2::TokenTree>()?;
            }
            Ok(())
        })
        .parse2(tokens);
        // A malformed argument stops parsing; the problems reported before it still count.
        if let Err(malformed) = parsed {
            report(malformed);
        }
        match errors {
            Some(errors) => Err(errors),
            None => Ok(args),
        }
    }
}

/// `crate = path`, with errors that show the expected form instead of syn's generic ones.
fn crate_path(meta: &ParseNestedMeta) -> syn::Result<Path> {
    const FORM: &str = "`crate = ::instrument_metrics`, the path to the runtime crate";
    let Ok(eq) = meta.input.parse::<Token![=]>() else {
        return Err(syn::Error::new_spanned(
            &meta.path,
            format!("expected {FORM}"),
        ));
    };
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Err(syn::Error::new(
            eq.span,
            format!("expected a path after `crate =`: {FORM}"),
        ));
    }
    if let Ok(literal) = meta.input.fork().parse::<LitStr>() {
        return Err(syn::Error::new(
            literal.span(),
            format!("`crate` takes a path, not a string: write {FORM}, without quotes"),
        ));
    }
    meta.input.parse()
}

fn unknown_argument(name: &str) -> String {
    let accepted = ACCEPTED
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
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

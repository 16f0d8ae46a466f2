//! `#[derive(MetricLabel)]`: an enum's variants are the label values, snake_case by default.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Data, DeriveInput, LitStr, Path};

pub(crate) fn metric_label(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    match expand(&input) {
        Ok(tokens) => tokens,
        Err(error) => error.into_compile_error(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors: Option<syn::Error> = None;
    let mut report = |error: syn::Error| match &mut errors {
        Some(errors) => errors.combine(error),
        None => errors = Some(error),
    };
    let mut krate: Option<Path> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("metric_label"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("unknown `metric_label` argument on the enum; accepted: `crate`"))
            }
        });
        if let Err(error) = parsed {
            report(error);
        }
    }
    let Data::Enum(data) = &input.data else {
        let token = match &input.data {
            Data::Struct(data) => data.struct_token.to_token_stream(),
            Data::Union(data) => data.union_token.to_token_stream(),
            Data::Enum(_) => unreachable!("matched above"),
        };
        return Err(syn::Error::new_spanned(
            token,
            "`MetricLabel` can only be derived for enums: a label's values must be a fixed set, \
             one per variant",
        ));
    };
    let mut values: Vec<(String, &syn::Ident)> = Vec::new();
    for variant in &data.variants {
        let mut value = snake_case(&variant.ident.to_string());
        for attr in variant
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("metric_label"))
        {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let renamed: LitStr = meta.value()?.parse()?;
                    if renamed.value().is_empty() {
                        return Err(syn::Error::new_spanned(&renamed, "a label value cannot be empty"));
                    }
                    value = renamed.value();
                    Ok(())
                } else {
                    Err(meta.error("unknown `metric_label` argument on a variant; accepted: `rename = \"...\"`"))
                }
            });
            if let Err(error) = parsed {
                report(error);
            }
        }
        if values.iter().any(|(existing, _)| *existing == value) {
            report(syn::Error::new_spanned(
                &variant.ident,
                format!(
                    "two variants have the label value `{value}`; rename one with #[metric_label(rename = \"...\")]"
                ),
            ));
        }
        values.push((value, &variant.ident));
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(::instrument_metrics));
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let labels = values.iter().map(|(value, _)| value);
    let arms = values
        .iter()
        .enumerate()
        .map(|(index, (_, variant))| quote!(Self::#variant { .. } => #index,));
    Ok(quote! {
        impl #impl_generics #krate::MetricLabel for #ident #type_generics #where_clause {
            const VALUES: &'static [&'static str] = &[#(#labels),*];

            fn index(&self) -> usize {
                match *self {
                    #(#arms)*
                }
            }
        }
    })
}

/// `BadInput` -> `bad_input`, `HTTPError` -> `http_error`, `Utf8` -> `utf8`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, character) in chars.iter().enumerate() {
        if character.is_uppercase() && index > 0 {
            let previous = chars[index - 1];
            let next_is_lower = chars.get(index + 1).is_some_and(|next| next.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower)
            {
                snake.push('_');
            }
        }
        snake.extend(character.to_lowercase());
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_of_variant_names() {
        assert_eq!(snake_case("Timeout"), "timeout");
        assert_eq!(snake_case("BadInput"), "bad_input");
        assert_eq!(snake_case("HTTPError"), "http_error");
        assert_eq!(snake_case("Utf8Error"), "utf8_error");
        assert_eq!(snake_case("A"), "a");
    }
}

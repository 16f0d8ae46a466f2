//! `#[derive(MetricLabel)]`: an enum's variants are the label values, snake_case by default.
//!
//! On a mistake the derive emits its errors *and* a placeholder impl, so the type is still a
//! `MetricLabel` and its uses (`labels(kind = kind)`, `Result<_, Kind>`, `Kind::VALUES`) add no
//! errors of their own: one mistake is one error. That holds for a struct or a union too: it has
//! no values to offer, so its placeholder has none (`VALUES` is empty), but a use of the type as
//! a label says nothing the derive's error has not said already.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Attribute, Data, DataEnum, DeriveInput, Ident, LitStr, Path};

use crate::attr;
use crate::errors::Errors;

pub(crate) fn metric_label(input: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let Some(input) = errors.push_result(syn::parse2::<DeriveInput>(input)) else {
        return errors.into_compile_errors();
    };
    let krate = crate_path(&input.attrs, &mut errors)
        .unwrap_or_else(|| syn::parse_quote!(::instrument_metrics));
    let values = match &input.data {
        Data::Enum(data) => variant_values(data, &mut errors),
        Data::Struct(data) => {
            errors.push(not_an_enum(&data.struct_token));
            Vec::new()
        }
        Data::Union(data) => {
            errors.push(not_an_enum(&data.union_token));
            Vec::new()
        }
    };
    let checked = errors.is_empty();
    let mut output = errors.into_compile_errors();
    output.extend(implementation(&input, &krate, &values, checked));
    output
}

/// The impl of `MetricLabel`. Unless `checked`, it is the placeholder that comes with the errors:
/// never run (the crate does not compile), and valid whatever the type is; its index `0` is in
/// range or, with no values, read as "unknown" by `label()`.
fn implementation(
    input: &DeriveInput,
    krate: &Path,
    values: &[(String, &Ident)],
    checked: bool,
) -> TokenStream {
    let labels = values.iter().map(|(value, _)| value);
    let index = if checked {
        let arms = values
            .iter()
            .enumerate()
            .map(|(index, (_, variant))| quote!(Self::#variant { .. } => #index,));
        quote!(match *self { #(#arms)* })
    } else {
        quote!(0)
    };
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::MetricLabel for #ident #type_generics #where_clause {
            const VALUES: &'static [&'static str] = &[#(#labels),*];

            fn index(&self) -> usize {
                #index
            }
        }
    }
}

/// `#[metric_label(crate = path)]` (or `crate = "path"`) on the enum.
fn crate_path(attrs: &[Attribute], errors: &mut Errors) -> Option<Path> {
    let mut krate = None;
    for attr in attrs
        .iter()
        .filter(|attr| attr.path().is_ident("metric_label"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(attr::runtime_path(meta.value()?)?);
                Ok(())
            } else {
                Err(meta.error("unknown `metric_label` argument on the enum; accepted: `crate`"))
            }
        });
        errors.push_result(parsed);
    }
    krate
}

/// Each variant's label value, in order: its name in snake_case, or its `rename`. A repeated
/// value is reported on the variant that repeats it.
fn variant_values<'a>(data: &'a DataEnum, errors: &mut Errors) -> Vec<(String, &'a Ident)> {
    let mut values: Vec<(String, &Ident)> = Vec::new();
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
            errors.push_result(parsed);
        }
        if values.iter().any(|(existing, _)| *existing == value) {
            errors.push(syn::Error::new_spanned(
                &variant.ident,
                format!(
                    "two variants have the label value `{value}`; rename one with #[metric_label(rename = \"...\")]"
                ),
            ));
        }
        values.push((value, &variant.ident));
    }
    values
}

/// The error for a struct or a union, on its keyword.
fn not_an_enum(keyword: &impl ToTokens) -> syn::Error {
    syn::Error::new_spanned(
        keyword,
        "`MetricLabel` can only be derived for enums: a label's values must be a fixed set, \
         one per variant",
    )
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

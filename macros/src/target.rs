//! What the attribute can instrument, and the errors for what it cannot.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{ImplItem, ImplItemFn, Item, Signature, TraitItemFn};

/// What the attribute was put on.
pub(crate) enum Target {
    /// A function or method: instrument it.
    Function,
    /// An impl block: instrument every method in it.
    Impl,
}

pub(crate) fn target(item: &Item) -> syn::Result<Target> {
    match item {
        Item::Fn(function) => signature(&function.sig).map(|()| Target::Function),
        Item::Impl(_) => Ok(Target::Impl),
        Item::ForeignMod(foreign) => Err(syn::Error::new_spanned(
            &foreign.abi,
            "`#[instrument_metrics]` cannot instrument an `extern` block: its functions are defined elsewhere; \
             instrument a Rust function that calls them",
        )),
        Item::Trait(definition) => Err(syn::Error::new_spanned(
            definition.trait_token,
            "`#[instrument_metrics]` cannot instrument a trait definition; put it on an impl of the trait \
             or on methods in that impl",
        )),
        other => Err(unsupported(other)),
    }
}

pub(crate) fn signature(sig: &Signature) -> syn::Result<()> {
    match &sig.constness {
        Some(constness) => Err(syn::Error::new_spanned(
            constness,
            "`#[instrument_metrics]` cannot instrument a `const fn`: recording happens at run time; \
             remove `const` or the attribute",
        )),
        None => Ok(()),
    }
}

/// Whether an attribute is this one, however it is imported.
pub(crate) fn is_instrument_metrics(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "instrument_metrics")
}

/// Whether an attribute is `#[async_trait]`, however it is imported.
pub(crate) fn is_async_trait(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "async_trait")
}

/// The methods of an impl block.
pub(crate) fn methods(items: &mut [ImplItem]) -> impl Iterator<Item = &mut ImplItemFn> {
    items.iter_mut().filter_map(|item| match item {
        ImplItem::Fn(method) => Some(method),
        _ => None,
    })
}

/// The error for an item that is not a function: on its keyword and name (not on a visibility
/// or attribute before them), saying what the item is.
fn unsupported(item: &Item) -> syn::Error {
    let (what, tokens) = match item {
        Item::Const(item) => ("a `const`", pair(&item.const_token, &item.ident)),
        Item::Enum(item) => ("an enum", pair(&item.enum_token, &item.ident)),
        Item::ExternCrate(item) => (
            "an `extern crate`",
            pair(&item.extern_token, &item.crate_token),
        ),
        Item::Macro(item) => ("a macro", item.mac.path.to_token_stream()),
        Item::Mod(item) => ("a module", pair(&item.mod_token, &item.ident)),
        Item::Static(item) => ("a `static`", pair(&item.static_token, &item.ident)),
        Item::Struct(item) => ("a struct", pair(&item.struct_token, &item.ident)),
        Item::TraitAlias(item) => ("a trait alias", pair(&item.trait_token, &item.ident)),
        Item::Type(item) => ("a type alias", pair(&item.type_token, &item.ident)),
        Item::Union(item) => ("a union", pair(&item.union_token, &item.ident)),
        Item::Use(item) => ("a `use` declaration", item.use_token.to_token_stream()),
        // A trait method without a body parses as no known item.
        Item::Verbatim(tokens) => match syn::parse2::<TraitItemFn>(tokens.clone()) {
            Ok(method) => return without_body(&method.sig),
            Err(_) => ("this item", tokens.clone()),
        },
        other => ("this item", other.to_token_stream()),
    };
    syn::Error::new_spanned(
        tokens,
        format!(
            "`#[instrument_metrics]` cannot instrument {what}; it goes on a function, a method or an impl block"
        ),
    )
}

fn without_body(sig: &Signature) -> syn::Error {
    syn::Error::new_spanned(
        pair(&sig.fn_token, &sig.ident),
        "`#[instrument_metrics]` needs a function body to instrument; put it on the method in each impl of the trait",
    )
}

/// Two tokens as one span, e.g. `struct Name`.
fn pair(keyword: &impl ToTokens, name: &impl ToTokens) -> TokenStream {
    quote!(#keyword #name)
}

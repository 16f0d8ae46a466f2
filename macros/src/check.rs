//! What the attribute can instrument, and the errors for what it cannot.

use quote::ToTokens;
use syn::{ImplItem, ImplItemFn, Item, Signature};

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
            &definition.trait_token,
            "`#[instrument_metrics]` goes on the impl of a trait or on its methods, not on the trait definition",
        )),
        other => Err(syn::Error::new_spanned(
            first_token(other),
            "`#[instrument_metrics]` goes on a function, a method or an impl block",
        )),
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

/// Whether a method of an instrumented impl block is instrumented by the block: not a `const fn`
/// (it could not be), and not one with its own attribute (that one applies instead).
pub(crate) fn instrumented_by_block(method: &ImplItemFn) -> bool {
    method.sig.constness.is_none() && !method.attrs.iter().any(|attr| {
        attr.path().segments.last().is_some_and(|segment| segment.ident == "instrument_metrics")
    })
}

/// The methods of an impl block.
pub(crate) fn methods(items: &mut [ImplItem]) -> impl Iterator<Item = &mut ImplItemFn> {
    items.iter_mut().filter_map(|item| match item {
        ImplItem::Fn(method) => Some(method),
        _ => None,
    })
}

/// The first token of an item after its attributes, where an error about the item belongs.
fn first_token(item: &Item) -> proc_macro2::TokenStream {
    let mut item = item.clone();
    if let Some(attrs) = attrs_mut(&mut item) {
        attrs.clear();
    }
    item.into_token_stream().into_iter().take(2).collect()
}

fn attrs_mut(item: &mut Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        Item::Const(item) => &mut item.attrs,
        Item::Enum(item) => &mut item.attrs,
        Item::ExternCrate(item) => &mut item.attrs,
        Item::Macro(item) => &mut item.attrs,
        Item::Mod(item) => &mut item.attrs,
        Item::Static(item) => &mut item.attrs,
        Item::Struct(item) => &mut item.attrs,
        Item::TraitAlias(item) => &mut item.attrs,
        Item::Type(item) => &mut item.attrs,
        Item::Union(item) => &mut item.attrs,
        Item::Use(item) => &mut item.attrs,
        _ => return None,
    })
}

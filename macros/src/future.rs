//! Recognising functions that return a future built by an `async` block, so the future is
//! measured rather than its construction: `-> impl Future` ending in `async move {}`, and
//! `#[async_trait]` methods ending in `Box::pin(async move {})`.

use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, GenericArgument, PathArguments, ReturnType, Stmt, Type, TypeParamBound};

/// The `async` block a function body ends in, directly or inside `Box::pin(..)`.
pub(crate) fn tail_async_block(stmts: &mut [Stmt]) -> Option<&mut Expr> {
    let Some(Stmt::Expr(tail, None)) = stmts.last_mut() else {
        return None;
    };
    match tail {
        Expr::Async(_) => Some(tail),
        Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1 => call
            .args
            .first_mut()
            .filter(|arg| matches!(arg, Expr::Async(_))),
        _ => None,
    }
}

fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else { return false };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

/// The `Output` of the future a signature returns (`impl Future<Output = T>`,
/// `Pin<Box<dyn Future<Output = T> + Send>>`), when it is written out.
pub(crate) fn future_output(output: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    find_output(ty)
}

fn find_output(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(bounds) => bounds_output(bounds.bounds.iter()),
        Type::TraitObject(bounds) => bounds_output(bounds.bounds.iter()),
        Type::Paren(inner) => find_output(&inner.elem),
        Type::Group(inner) => find_output(&inner.elem),
        // `Pin<Box<..>>`
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(inner) if last.ident == "Pin" || last.ident == "Box" => {
                    find_output(inner)
                }
                _ => None,
            })
        }
        _ => None,
    }
}

fn bounds_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<&'a Type> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// Whether a type can be written as a generic argument: `impl Trait` cannot.
pub(crate) fn nameable(ty: &TokenStream) -> bool {
    ty.clone().into_iter().all(|token| match token {
        TokenTree::Ident(ident) => ident != "impl",
        TokenTree::Group(group) => nameable(&group.stream()),
        _ => true,
    })
}

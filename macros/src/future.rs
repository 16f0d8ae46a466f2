//! Recognising functions that return a future built by an `async` block, so the future is
//! measured rather than its construction: `-> impl Future` ending in `async move {}` (or made of
//! that block alone), and `#[async_trait]` methods ending in `Box::pin(async move {})`; and a
//! body that is nothing but an `.await`.

use syn::{
    Expr, ExprAsync, GenericArgument, PathArguments, ReturnType, Stmt, Type, TypeParamBound,
};

/// The `async` block that is the whole body, as in a function clippy would rather see written
/// as an `async fn` (`manual_async_fn`).
pub(crate) fn sole_async_block(stmts: &mut [Stmt]) -> Option<&mut ExprAsync> {
    match stmts {
        [Stmt::Expr(Expr::Async(block), None)] => Some(block),
        _ => None,
    }
}

/// Whether a body is only an `.await` (in blocks or not), as `{ future.await }`: in an `async`
/// block of the user's, clippy would say the block is redundant (`redundant_async_block`).
pub(crate) fn only_awaits(stmts: &[Stmt]) -> bool {
    match stmts {
        [Stmt::Expr(Expr::Await(_), None)] => true,
        [Stmt::Expr(Expr::Block(inner), None)] => only_awaits(&inner.block.stmts),
        _ => false,
    }
}

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

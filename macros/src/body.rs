//! What a function's body does that decides the form of its expansion: whether an `async fn`
//! awaits at all, and which parameters the closure the body runs in must take by value.
//!
//! Both are read from the body's tokens, before any macro in it has expanded, and both err on the
//! safe side: a body that may await is expanded with an `.await` of ours, and a parameter that may
//! need to be moved is moved.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Block, FnArg, Pat, ReceiverKind, Signature};

use crate::types::any_token;

/// Whether an `async fn` body may `.await` at its own level. An `.await` inside a nested `async`
/// block does not count (it awaits in that block); one in any other nested body does (not worth
/// telling apart). Nor can what a macro expands to be seen: a macro other than those known never
/// to expand to an `.await` counts as one.
pub(crate) fn awaits(block: &Block) -> bool {
    stream_awaits(block.to_token_stream())
}

fn stream_awaits(stream: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            TokenTree::Ident(ident) if ident == "async" => {
                // `async {..}` and `async move {..}`: awaits in there are that block's.
                let mut next = index + 1;
                if matches!(tokens.get(next), Some(TokenTree::Ident(word)) if word == "move") {
                    next += 1;
                }
                if matches!(tokens.get(next), Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace)
                {
                    index = next + 1;
                    continue;
                }
            }
            TokenTree::Punct(dot) if dot.as_char() == '.' => {
                if matches!(tokens.get(index + 1), Some(TokenTree::Ident(word)) if word == "await")
                {
                    return true;
                }
            }
            TokenTree::Punct(bang) if bang.as_char() == '!' => {
                let name = index
                    .checked_sub(1)
                    .and_then(|before| match &tokens[before] {
                        TokenTree::Ident(name) => Some(name.to_string()),
                        _ => None,
                    });
                let invoked = matches!(tokens.get(index + 1), Some(TokenTree::Group(_)));
                if let (Some(name), true) = (name, invoked)
                    && !NEVER_AWAIT.contains(&name.as_str())
                {
                    return true;
                }
            }
            TokenTree::Group(group) if stream_awaits(group.stream()) => return true,
            _ => {}
        }
        index += 1;
    }
    false
}

/// Macros that never expand to an `.await` of their own (an `.await` in their arguments is seen):
/// the standard library's, `log`'s and `tracing`'s. Also keywords a `!` may follow, as in
/// `if !(..)`. Anything else in front of `!(..)` may be a macro that awaits.
const NEVER_AWAIT: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "compile_error",
    "concat",
    "dbg",
    "debug",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "env",
    "eprint",
    "eprintln",
    "error",
    "event",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "info",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "trace",
    "unimplemented",
    "unreachable",
    "vec",
    "warn",
    "write",
    "writeln",
    // keywords
    "break",
    "if",
    "in",
    "match",
    "return",
    "while",
];

/// How the closure that runs a body takes the parameters it uses.
pub(crate) enum Captures {
    /// A borrowing closure: it takes each parameter as the body uses it (so that clippy sees a
    /// parameter taken by value and only read, as it would without the attribute), but for these,
    /// moved in first (see [`captures`]).
    Borrow(Vec<syn::Ident>),
    /// A `move` closure: it owns every parameter it uses.
    Move,
}

/// How the body's closure must capture. A closure that borrows a parameter cannot hand out a
/// reborrow of what the parameter borrows mutably for the function's lifetime (`fn get(&mut self)
/// -> &mut T`, a struct holding a `&'a mut`), and in edition 2018 it borrows whole variables; so
/// every parameter whose type holds a `&mut` or a lifetime (other than a plain shared reference)
/// is moved in. `self` cannot be rebound, and a moved parameter declared `mut` would leave its
/// `mut` unused: either makes it a `move` closure, as does a by-value `self` (its type may hold a
/// `&mut`) and a pattern binding such a parameter.
pub(crate) fn captures(sig: &Signature, block: &Block) -> Captures {
    let named = names(block.to_token_stream());
    let mut moved = Vec::new();
    for input in &sig.inputs {
        match input {
            // Only `&self` can be borrowed: `self` cannot be rebound to be moved in.
            FnArg::Receiver(receiver) => {
                if !matches!(receiver.kind, ReceiverKind::Reference(_, _, None)) {
                    return Captures::Move;
                }
            }
            FnArg::Typed(typed) => {
                if !may_lend_mutably(&typed.ty) {
                    continue;
                }
                match &*typed.pat {
                    Pat::Ident(binding)
                        if binding.by_ref.is_none()
                            && binding.subpat.is_none()
                            && binding.mutability.is_none() =>
                    {
                        if named.contains(&binding.ident) {
                            moved.push(binding.ident.clone());
                        }
                    }
                    _ => return Captures::Move,
                }
            }
        }
    }
    Captures::Borrow(moved)
}

/// Whether a reborrow of what a parameter of this type points to could need the function's
/// lifetime mutably: the type holds a `&mut`, or a lifetime anywhere but as a plain shared
/// reference's (`Buf<'a>` may hold a `&'a mut`).
fn may_lend_mutably(ty: &syn::Type) -> bool {
    let tokens = ty.to_token_stream();
    if mutable_reference(tokens.clone()) {
        return true;
    }
    let shared_reference =
        matches!(ty, syn::Type::Reference(reference) if reference.mutability.is_none());
    let inner = match ty {
        syn::Type::Reference(reference) if shared_reference => reference.elem.to_token_stream(),
        _ => tokens,
    };
    has_lifetime(&inner)
}

/// Whether the tokens name a lifetime (`'a`, `'_`, `'static`).
fn has_lifetime(tokens: &TokenStream) -> bool {
    any_token(
        tokens,
        &|token| matches!(token, TokenTree::Punct(tick) if tick.as_char() == '\''),
    )
}

/// Whether a type has a `&mut` in it (`&mut T`, `&'a mut T`, `Pin<&mut Self>`).
fn mutable_reference(ty: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = ty.into_iter().collect();
    tokens.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Punct(amp) if amp.as_char() == '&' => {
            let mut next = index + 1;
            // `&'a mut`: a lifetime is `'` and an identifier.
            if matches!(tokens.get(next), Some(TokenTree::Punct(tick)) if tick.as_char() == '\'') {
                next += 2;
            }
            matches!(tokens.get(next), Some(TokenTree::Ident(word)) if word == "mut")
        }
        TokenTree::Group(group) => mutable_reference(group.stream()),
        _ => false,
    })
}

/// Every identifier in the tokens, nested ones included.
fn names(tokens: TokenStream) -> Vec<syn::Ident> {
    let mut found = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => found.push(ident),
            TokenTree::Group(group) => found.extend(names(group.stream())),
            _ => {}
        }
    }
    found
}

//! What a function's body does that decides the form of its expansion: whether an `async fn`
//! awaits at all, and which parameters the closure the body runs in must take by value.
//!
//! Both are read from the body's tokens, before any macro in it has expanded, and both err on the
//! safe side: a body that may await is expanded with an `.await` of ours, and a parameter that may
//! need to be moved is moved.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Block, FnArg, Pat, Signature};

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
    /// As a closure does: by reference unless the body moves them (so that clippy sees a
    /// parameter taken by value and only read, as it would without the attribute), with these
    /// parameters moved in first (see [`captures`]).
    Moving(Vec<(Option<syn::token::Mut>, syn::Ident)>),
    /// All by value: a `move` closure.
    All,
}

/// How the body's closure must capture. Edition 2018 captures whole variables: a `&mut`
/// parameter captured by reference could not be reborrowed for the returned value
/// (`fn get(&mut self) -> &mut T`), so such parameters are moved in. `self` cannot be rebound, so a
/// `&mut` receiver, and a `&mut` parameter bound by a pattern, make it a `move` closure.
pub(crate) fn captures(sig: &Signature, block: &Block) -> Captures {
    let named = names(block.to_token_stream());
    let mut moved = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                if mutable_reference(receiver.to_token_stream()) {
                    return Captures::All;
                }
            }
            FnArg::Typed(typed) => {
                if !mutable_reference(typed.ty.to_token_stream()) {
                    continue;
                }
                match &*typed.pat {
                    Pat::Ident(binding) if binding.by_ref.is_none() && binding.subpat.is_none() => {
                        if named.contains(&binding.ident) {
                            moved.push((binding.mutability, binding.ident.clone()));
                        }
                    }
                    _ => return Captures::All,
                }
            }
        }
    }
    Captures::Moving(moved)
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

//! Code generation. The expansion is small on purpose: one `static` call site and one call into
//! the runtime, which does the work.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{Block, Expr, Ident, Item, Path, ReturnType, Signature, Type};

use crate::attr::Args;
use crate::check::{self, Target};
use crate::future;

/// The whole attribute: on error, the errors *and* the original item, so the user sees only the
/// errors that matter and not the ones a missing item would cause.
pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed: syn::Result<Item> = syn::parse2(item.clone());
    let args = Args::parse(args);
    let checked = parsed.and_then(|item| check::target(&item).map(|target| (item, target)));
    match (args, checked) {
        (Ok(args), Ok((item, target))) => expand(&args, item, target),
        (args, checked) => {
            let mut errors = args.err().into_iter().chain(checked.err());
            let mut error = errors.next().expect("one of the two failed");
            errors.for_each(|other| error.combine(other));
            let mut output = error.into_compile_error();
            output.extend(item);
            output
        }
    }
}

fn expand(args: &Args, mut item: Item, target: Target) -> TokenStream {
    let krate = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::instrument_metrics));
    match (&mut item, target) {
        (Item::Fn(function), Target::Function) => {
            *function.block = instrument(&function.sig, (*function.block).clone(), &krate);
        }
        (Item::Impl(block), Target::Impl) => {
            for method in check::methods(&mut block.items)
                .filter(|method| check::instrumented_by_block(method))
            {
                method.block = instrument(&method.sig, method.block.clone(), &krate);
            }
        }
        _ => unreachable!("check::target describes the item"),
    }
    item.into_token_stream()
}

/// The body of an instrumented function.
fn instrument(sig: &Signature, mut block: Block, krate: &Path) -> Block {
    let site = call_site(&sig.ident, krate);
    let classify = classify(krate);
    let never = matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)));
    if sig.asyncness.is_some() {
        if never {
            // `!` cannot be a generic argument on stable Rust, and left to inference it is still
            // unknown when `classify` is checked; `Infallible` is a nameable type with no values.
            return syn::parse_quote!({
                #site
                match #krate::__private::instrument::<::core::convert::Infallible, _, _>(
                    &__IM_SITE, async move #block, #classify,
                ).await {}
            });
        }
        let output = return_type(&sig.output);
        return syn::parse_quote!({
            #site
            #krate::__private::instrument::<#output, _, _>(&__IM_SITE, async move #block, #classify).await
        });
    }
    if never {
        // A function that never returns has no outcome to classify: the guard sees its panic.
        return syn::parse_quote!({
            #site
            let __im_guard = __IM_SITE.enter();
            #block
        });
    }
    if let Some(tail) = future::tail_async_block(&mut block.stmts) {
        let output = future_output(&sig.output);
        let body = std::mem::replace(tail, Expr::Verbatim(TokenStream::new()));
        *tail = syn::parse_quote!(#krate::__private::instrument::<#output, _, _>(&__IM_SITE, #body, #classify));
        block.stmts.insert(0, syn::parse_quote!(#site));
        return block;
    }
    let output = return_type(&sig.output);
    syn::parse_quote!({
        #site
        #krate::__private::call::<#output, _, _>(&__IM_SITE, move || #block, #classify)
    })
}

/// The function's `static` call site. `locate` is a function declared inside it, whose
/// `type_name` tells the runtime the path of the instrumented function, impl type included.
fn call_site(ident: &Ident, krate: &Path) -> TokenStream {
    let name = ident.unraw().to_string();
    quote! {
        static __IM_SITE: #krate::__private::CallSite = #krate::__private::CallSite::new(
            #name,
            ::core::module_path!(),
            {
                fn locate() -> &'static str {
                    ::core::any::type_name_of_val(&locate)
                }
                locate
            },
        );
    }
}

/// Classifies the output where its type is concrete, so any spelling of `Result` is recognised.
fn classify(krate: &Path) -> TokenStream {
    let output = Ident::new("__im_output", Span::mixed_site());
    quote!(|#output| #krate::__private::Classify(#output).outcome())
}

/// The declared return type as a generic argument.
fn return_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => generic_argument(ty.to_token_stream()),
    }
}

/// The output of the future a function returns, as a generic argument. Left to inference, a tail
/// such as `.collect()` is still unknown when `classify` is checked, which then assumes a
/// `Result`; so it is written out when the signature spells it (`impl Future<Output = T>`,
/// `Pin<Box<dyn Future<Output = T>>>`), else projected from a nameable return type (an alias
/// such as `BoxFuture<T>`), and inferred only when neither is possible.
fn future_output(output: &ReturnType) -> TokenStream {
    if let Some(ty) = future::future_output(output) {
        return generic_argument(ty.to_token_stream());
    }
    match output {
        ReturnType::Type(_, ty) if future::nameable(&ty.to_token_stream()) => {
            quote!(<#ty as ::core::future::Future>::Output)
        }
        _ => quote!(_),
    }
}

/// The type as a generic argument, or `_` (inferred) where it cannot be written as one.
fn generic_argument(ty: TokenStream) -> TokenStream {
    if future::nameable(&ty) { ty } else { quote!(_) }
}

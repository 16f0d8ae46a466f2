//! Code generation. The expansion is small on purpose: one `static` call site and a few calls
//! into the runtime, which does the work.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Block, Expr, Ident, ImplItemFn, Item, Path, ReturnType, Signature, Stmt, Type};

use crate::attr::{Args, Buckets, LabelSource};
use crate::body::{self, Captures};
use crate::docs::{self, FunctionLabel};
use crate::errors::Errors;
use crate::target::{self, Target};
use crate::types::{future_output, return_type};
use crate::{future, rules};

/// The whole attribute: the arguments parsed and checked, the item checked, then expanded, every
/// error reported into one collector. On error the output is the errors *and* the item (as
/// written, or an impl block whose methods without errors are instrumented), so the user sees
/// only the errors that matter and not the ones a missing item would cause.
pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args = arguments(args, &mut errors);
    let target = errors.push_result(
        syn::parse2::<Item>(item.clone())
            .and_then(|item| target::target(&item).map(|target| (item, target))),
    );
    let item = match (args, target) {
        (Some(args), Some((item, target))) => expand(&args, item, target, &mut errors),
        _ => item,
    };
    let mut output = errors.into_compile_errors();
    output.extend(item);
    output
}

/// Parsed and checked arguments, or `None` when any is malformed or breaks a rule: every such
/// problem is reported, the malformed ones and the rules broken by those that did parse.
fn arguments(tokens: TokenStream, errors: &mut Errors) -> Option<Args> {
    errors.checked(|errors| {
        let args = Args::parse(tokens, errors);
        rules::validate(&args, errors);
        args
    })
}

fn expand(args: &Args, mut item: Item, target: Target, errors: &mut Errors) -> TokenStream {
    match (&mut item, target) {
        (Item::Fn(function), Target::Function) => {
            if args.skip.is_none() {
                *function.block = instrument(&function.sig, (*function.block).clone(), args, false);
                let label = FunctionLabel::of(&function.sig);
                errors.push_result(docs::append(&mut function.attrs, args, &label));
            }
        }
        (Item::Impl(block), Target::Impl) => {
            if let Some(skip) = &args.skip {
                errors.push(syn::Error::new(
                    skip.span(),
                    "`skip` goes on a method inside an instrumented impl block, not on the block",
                ));
                return item.into_token_stream();
            }
            // `#[async_trait]` below this attribute rewrites each `async fn` after us, and hides
            // the lints that look at a body's last expression, as it does without us.
            let rewritten = block.attrs.iter().any(target::is_async_trait);
            let self_ty = block.self_ty.clone();
            for method in
                target::methods(&mut block.items).filter(|method| method.sig.constness.is_none())
            {
                // A method whose own arguments have errors is left as written.
                if let Some(args) = method_args(args, method, errors)
                    && args.skip.is_none()
                {
                    method.block = instrument(&method.sig, method.block.clone(), &args, rewritten);
                    let label = FunctionLabel::in_impl(&self_ty, &method.sig);
                    errors.push_result(docs::append(&mut method.attrs, &args, &label));
                }
            }
        }
        _ => unreachable!("target::target describes the item"),
    }
    item.into_token_stream()
}

/// A method's arguments inside an instrumented impl block: its own attribute, if any, is taken
/// off the method and overrides the block's arguments. `None` when its own have errors.
fn method_args(block: &Args, method: &mut ImplItemFn, errors: &mut Errors) -> Option<Args> {
    let Some(position) = method.attrs.iter().position(target::is_instrument_metrics) else {
        return Some(block.clone());
    };
    let attr = method.attrs.remove(position);
    let own = match &attr.meta {
        syn::Meta::Path(_) => Args::default(),
        syn::Meta::List(list) => arguments(list.tokens.clone(), errors)?,
        syn::Meta::NameValue(name_value) => {
            errors.push(syn::Error::new_spanned(
                name_value,
                "expected `#[instrument_metrics(...)]`",
            ));
            return None;
        }
    };
    Some(block.overridden_by(own))
}

/// The body of an instrumented function.
///
/// The function stays the user's code to rustc and clippy: its braces keep their spans (a
/// generated brace would make the whole item's span a macro's, which clippy skips and rustc
/// reports at the attribute), and the user's body runs in a closure or an `async` block whose
/// tokens carry the body's span, so lints that look at a body (`needless_return`) still look at
/// it. Only the instrumentation around it has the attribute's spans, and so does the closure or
/// block when `#[async_trait]` is to rewrite the body (`rewritten`).
fn instrument(sig: &Signature, block: Block, args: &Args, rewritten: bool) -> Block {
    let braces = block.brace_token;
    let wrapper = if rewritten && sig.asyncness.is_some() {
        Span::call_site()
    } else {
        braces.span.open()
    };
    let mut body = generate(sig, block, args, wrapper);
    body.brace_token = braces;
    body
}

/// The instrumented body; `wrapper` is the span of the closure or `async` block the user's body
/// runs in.
fn generate(sig: &Signature, mut block: Block, args: &Args, wrapper: Span) -> Block {
    let krate = &runtime(args);
    let site = call_site(&sig.ident, args, krate);
    let values = label_values(args, krate);
    let never = matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)));
    let guard = Ident::new("__im_guard", Span::mixed_site());
    // An `async fn` that never awaits runs its body within one poll, as a sync body: no `.await`
    // of ours, so that clippy's `unused_async` still sees none.
    if sig.asyncness.is_some() && body::awaits(&block) {
        // An `async fn` body starts at the first poll, so the call is entered there, and the
        // user's body runs as an inner `async` block (where `return` and `?` keep their meaning).
        // The block that runs the body is ours, not the user's, when the body is only an
        // `.await`: there is no body lint to keep, and clippy would take it for a redundant one.
        let wrapper = if future::only_awaits(&block.stmts) {
            Span::call_site()
        } else {
            wrapper
        };
        let inner = quote_spanned!(wrapper=> async move #block);
        if never {
            // `!` cannot be a generic argument on stable Rust; `Infallible` is a nameable type
            // with no values.
            return syn::parse_quote!({
                #site
                let #guard = __IM_SITE.enter_with(&[#(#values),*]);
                match #krate::__private::in_body::<::core::convert::Infallible, _>(&#guard, #inner).await {}
            });
        }
        let awaited = awaited(&guard, &return_type(&sig.output), &inner, &values, args);
        return syn::parse_quote!({ #site #awaited });
    }
    if never {
        // A function that never returns has no outcome to classify: the guard sees its panic.
        return syn::parse_quote!({
            #site
            let #guard = __IM_SITE.enter_with(&[#(#values),*]);
            #block
        });
    }
    if sig.asyncness.is_none() {
        if values.is_empty()
            && let Some(future) = future::sole_async_block(&mut block.stmts)
        {
            // The body is one `async` block (clippy's `manual_async_fn` looks for that shape):
            // the call is recorded inside it, where the `async fn` form records it.
            let user = future.clone();
            let inner = user.to_token_stream();
            let awaited = awaited(&guard, &future_output(&sig.output), &inner, &[], args);
            future.block = syn::parse_quote!({ #site #awaited });
            future.block.brace_token = user.block.brace_token;
            future.attrs = Vec::new();
            return block;
        }
        if let Some(tail) = future::tail_async_block(&mut block.stmts) {
            let output = future_output(&sig.output);
            let body = std::mem::replace(tail, Expr::Verbatim(TokenStream::new()));
            let classify = classify(args, krate);
            *tail = syn::parse_quote!(#krate::__private::instrument_labelled::<#output, _, _, _>(&__IM_SITE, [#(#values),*], #body, #classify));
            // The call site is two items: the `static` and its registration for `install()`.
            let site: Block = syn::parse_quote!({ #site });
            block.stmts.splice(0..0, site.stmts);
            return block;
        }
    }
    let output = return_type(&sig.output);
    let body = closure(sig, block, wrapper);
    let classify = classify(args, krate);
    if values.is_empty() {
        return syn::parse_quote!({
            #site
            #krate::__private::call::<#output, _, _>(&__IM_SITE, #body, #classify)
        });
    }
    syn::parse_quote!({
        #site
        #krate::__private::call_labelled::<#output, _, _>(&__IM_SITE, &[#(#values),*], #body, #classify)
    })
}

/// The statements that enter the call, await the body's `inner` future and record its outcome:
/// the `async fn` form, also used inside a body that is one `async` block.
fn awaited(
    guard: &Ident,
    output: &TokenStream,
    inner: &TokenStream,
    values: &[TokenStream],
    args: &Args,
) -> TokenStream {
    let krate = &runtime(args);
    let value = Ident::new("__im_value", Span::mixed_site());
    let enter = if values.is_empty() {
        quote!(__IM_SITE.enter())
    } else {
        quote!(__IM_SITE.enter_with(&[#(#values),*]))
    };
    let outcome = observed(
        args,
        krate,
        quote!(#krate::__private::Classify(&#value).outcome()),
    );
    quote! {
        let #guard = #enter;
        // Typed, so that when the body does not compile, `Classify` below is not checked
        // against an unknown type (which would add a misleading error).
        let #value: #output = #krate::__private::in_body::<#output, _>(&#guard, #inner).await;
        #guard.finish(#outcome);
        #value
    }
}

/// The body as a closure that is called once, its `||` on `wrapper` (the body's opening brace) so
/// that the closure is the user's code to clippy. It borrows what the body only reads, as the function
/// did: a `move` closure would consume every parameter, and clippy's `needless_pass_by_value`
/// would take them for used by value. Parameters that must be moved in are (see
/// [`body::captures`]).
fn closure(sig: &Signature, mut block: Block, wrapper: Span) -> TokenStream {
    match body::captures(sig, &block) {
        Captures::Move => quote_spanned!(wrapper=> move || #block),
        Captures::Borrow(moved) => {
            let moves = moved
                .iter()
                .map(|name| -> Stmt { syn::parse_quote!(let #name = #name;) });
            block.stmts.splice(0..0, moves);
            quote_spanned!(wrapper=> || #block)
        }
    }
}

/// The values of the argument labels, taken when the call starts. Each is spanned on the user's
/// expression, so a value without `MetricLabel` is reported there.
fn label_values(args: &Args, krate: &Path) -> Vec<TokenStream> {
    args.labels
        .iter()
        .filter_map(|label| match &label.value {
            LabelSource::Expression(expr) => {
                // Only the argument carries the user's span: a missing `MetricLabel` is reported on
                // the expression, and the runtime path is not linted as the user's code.
                let value = quote_spanned!(expr.span()=> &(#expr));
                Some(quote!(#krate::__private::LabelValue::of(#value)))
            }
            LabelSource::Literal(_) => None,
        })
        .collect()
}

/// The path to the runtime: `crate = ..`, or `::instrument_metrics`.
fn runtime(args: &Args) -> Path {
    args.krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::instrument_metrics))
}

/// The function's `static` call site. `locate` is a function declared inside it, whose
/// `type_name` tells the runtime the path of the instrumented function, impl type included.
fn call_site(ident: &Ident, args: &Args, krate: &Path) -> TokenStream {
    let name = ident.unraw().to_string();
    let mut spec = TokenStream::new();
    if let Some(family) = &args.name {
        spec.extend(quote!(.family(#family)));
    }
    let literal: Vec<TokenStream> = args
        .labels
        .iter()
        .filter_map(|label| match &label.value {
            LabelSource::Literal(value) => {
                let name = label.name.unraw().to_string();
                Some(quote!((#name, #value)))
            }
            LabelSource::Expression(_) => None,
        })
        .collect();
    if !literal.is_empty() {
        spec.extend(quote!(.labels(&[#(#literal),*])));
    }
    let from_arguments: Vec<String> = args
        .labels
        .iter()
        .filter(|label| matches!(label.value, LabelSource::Expression(_)))
        .map(|label| label.name.unraw().to_string())
        .collect();
    if !from_arguments.is_empty() {
        spec.extend(quote!(.argument_labels(&[#(#from_arguments),*])));
    }
    if let Some(buckets) = &args.buckets {
        spec.extend(bucket_list(buckets));
    }
    if let Some(in_flight) = &args.in_flight {
        spec.extend(quote!(.in_flight(#in_flight)));
    }
    let objective = objective_site(args, krate);
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
        )#spec;
        #[#krate::__private::linkme::distributed_slice(#krate::__private::CALL_SITES)]
        #[linkme(crate = #krate::__private::linkme)]
        static __IM_REGISTRATION: &#krate::__private::CallSite = &__IM_SITE;
        #objective
    }
}

/// `.buckets(&[..])`: the literal bounds, for the call site and the objective site alike.
fn bucket_list(buckets: &Buckets) -> TokenStream {
    let bounds = buckets
        .bounds
        .iter()
        .map(|bound| proc_macro2::Literal::f64_suffixed(bound.seconds));
    quote!(.buckets(&[#(#bounds),*]))
}

/// `objective = ..` and `last_success`: a `static` of what they add, read at scrape time, and
/// with literal `buckets` a `const` that fails the build when the objective's latency threshold
/// is not one of them (on the `objective` token).
fn objective_site(args: &Args, krate: &Path) -> TokenStream {
    if args.objective.is_none() && args.last_success.is_none() {
        return TokenStream::new();
    }
    let mut spec = TokenStream::new();
    let mut check = TokenStream::new();
    if let Some(family) = &args.name {
        spec.extend(quote!(.family(#family)));
    }
    if let Some(buckets) = &args.buckets {
        spec.extend(bucket_list(buckets));
    }
    if let Some((token, path)) = &args.objective {
        // Spanned on the path, so that a `const` of another type is reported there.
        let objective = quote_spanned!(path.span()=> &#path);
        spec.extend(quote!(.objective(#objective)));
        if let Some(buckets) = &args.buckets {
            // Rounded as the runtime compares a threshold with a bound: to the nanosecond.
            let nanos = buckets.bounds.iter().map(|bound| {
                proc_macro2::Literal::u64_suffixed((bound.seconds * 1e9).round() as u64)
            });
            // The call's tokens all carry the `objective` token's span, so the compiler reports
            // a failed check there.
            let call = quote_spanned!(token.span()=> latency_is_a_bucket_bound(#objective, &[#(#nanos),*]));
            check = quote! {
                const _: () = {
                    use #krate::__private::latency_is_a_bucket_bound;
                    #call
                };
            };
        }
    }
    if let Some(last_success) = &args.last_success {
        let interval = match &last_success.interval {
            Some(interval) => {
                let seconds =
                    rules::interval_seconds(&interval.value()).expect("rules checked the interval");
                quote!(::core::option::Option::Some(#seconds))
            }
            None => quote!(::core::option::Option::None),
        };
        spec.extend(quote!(.last_success(#interval)));
    }
    quote! {
        static __IM_OBJECTIVE: #krate::__private::ObjectiveSite =
            #krate::__private::ObjectiveSite::new(::core::module_path!(), || __IM_SITE.function())#spec;
        #[#krate::__private::linkme::distributed_slice(#krate::__private::OBJECTIVE_SITES)]
        #[linkme(crate = #krate::__private::linkme)]
        static __IM_OBJECTIVE_REGISTRATION: &#krate::__private::ObjectiveSite = &__IM_OBJECTIVE;
        #check
    }
}

/// Classifies the output where its type is concrete, so any spelling of `Result` is recognised.
fn classify(args: &Args, krate: &Path) -> TokenStream {
    let output = Ident::new("__im_output", Span::mixed_site());
    let outcome = observed(
        args,
        krate,
        quote!(#krate::__private::Classify(#output).outcome()),
    );
    quote!(|#output| #outcome)
}

/// The `outcome` of a call, noted as a success first for a function with `last_success`: only
/// those read the wall clock.
fn observed(args: &Args, krate: &Path, outcome: TokenStream) -> TokenStream {
    match &args.last_success {
        Some(_) => quote!(#krate::__private::last_success(&__IM_OBJECTIVE, #outcome)),
        None => outcome,
    }
}

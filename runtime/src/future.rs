//! Instrumentation of futures: measured from first poll to completion, not from construction.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::callsite::CallSite;
use crate::guard::Guard;
use crate::outcome::Outcome;

/// A future that records one call of its call site: the clock starts at the first poll, the
/// outcome is taken from the output, a panic inside a poll is `panic` and a drop before
/// completion is `cancelled`.
#[must_use = "futures do nothing unless polled"]
pub struct Instrumented<F, C> {
    site: &'static CallSite,
    classify: Option<C>,
    guard: Option<Guard>,
    future: F,
}

impl<F, C> Instrumented<F, C> {
    pub(crate) fn new(site: &'static CallSite, future: F, classify: C) -> Self {
        Instrumented {
            site,
            classify: Some(classify),
            guard: None,
            future,
        }
    }
}

impl<F, C> Future for Instrumented<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> Outcome,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `self` nor handed out
        // other than pinned, `Instrumented` is `Unpin` only when `F` is (auto trait), and `Drop`
        // (not implemented here) cannot move it. The other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let site = this.site;
        let guard = this.guard.get_or_insert_with(|| site.enter());
        guard.set_in_body(true);
        let poll = future.poll(cx);
        guard.set_in_body(false);
        if let Poll::Ready(output) = &poll
            && let (Some(guard), Some(classify)) = (this.guard.take(), this.classify.take())
        {
            guard.finish(classify(output));
        }
        poll
    }
}

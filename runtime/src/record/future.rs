//! Instrumentation of futures: measured from first poll to completion, not from construction.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use super::call_site::CallSite;
use super::classify::Classified;
use super::guard::Guard;
use crate::model::LabelValue;

/// A future that records one call of its call site: the clock starts at the first poll, the
/// outcome is taken from the output, a panic inside a poll is `panic` and a drop before
/// completion is `cancelled`. `N` argument label values were taken when it was built.
#[must_use = "futures do nothing unless polled"]
pub struct Instrumented<F, C, const N: usize> {
    site: &'static CallSite,
    labels: [LabelValue; N],
    /// `None` from the start when the call site is off: the future is then polled as is.
    classify: Option<C>,
    guard: Option<Guard>,
    future: F,
}

impl<F, C, const N: usize> Instrumented<F, C, N> {
    pub(crate) fn new(
        site: &'static CallSite,
        labels: [LabelValue; N],
        future: F,
        classify: C,
    ) -> Self {
        Instrumented {
            site,
            labels,
            classify: (!site.is_off()).then_some(classify),
            guard: None,
            future,
        }
    }
}

impl<F, C, const N: usize> Future for Instrumented<F, C, N>
where
    F: Future,
    C: FnOnce(&F::Output) -> Classified,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `self` nor handed out
        // other than pinned, `Instrumented` is `Unpin` only when `F` is (auto trait), and it has
        // no `Drop` impl that could move it. The other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if this.classify.is_none() {
            // Off (or, against the `Future` contract, polled after completion): inlined into the
            // caller, so that an off call site costs one branch.
            return future.poll(cx);
        }
        poll_recorded(
            this.site,
            &this.labels,
            &mut this.guard,
            &mut this.classify,
            future,
            cx,
        )
    }
}

/// A poll of a recorded call: the clock starts at the first, the outcome is taken at the last.
#[inline(never)]
fn poll_recorded<F, C>(
    site: &'static CallSite,
    labels: &[LabelValue],
    guard: &mut Option<Guard>,
    classify: &mut Option<C>,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output>
where
    F: Future,
    C: FnOnce(&F::Output) -> Classified,
{
    let running = guard.get_or_insert_with(|| site.enter_with(labels));
    let poll = poll_in_body(running, future, cx);
    if let Poll::Ready(output) = &poll
        && let (Some(guard), Some(classify)) = (guard.take(), classify.take())
    {
        guard.finish(classify(output));
    }
    poll
}

/// The body of an instrumented `async fn`, awaited inside it after its guard was taken (at the
/// first poll, where an `async fn` body starts). While a poll runs, the guard is marked as in the
/// body, so that a panic inside a poll is told apart from a drop between polls. Lighter than
/// [`Instrumented`]: the guard is a local of the `async fn`, so an off call site adds a branch
/// per poll, not a wrapper state.
#[must_use = "futures do nothing unless polled"]
pub struct InBody<'guard, F> {
    guard: &'guard Guard,
    future: F,
}

impl<'guard, F> InBody<'guard, F> {
    pub(crate) fn new(guard: &'guard Guard, future: F) -> Self {
        InBody { guard, future }
    }
}

impl<F: Future> Future for InBody<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: as in `Instrumented::poll`: `future` is structurally pinned and never moved.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        poll_in_body(this.guard, future, cx)
    }
}

/// Polls the body of `guard`'s call, marked as in the body while the poll runs.
#[inline]
fn poll_in_body<F: Future>(
    guard: &Guard,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    let Some(in_body) = guard.in_body() else {
        return future.poll(cx);
    };
    in_body.store(true, Ordering::Relaxed);
    let poll = future.poll(cx);
    in_body.store(false, Ordering::Relaxed);
    poll
}

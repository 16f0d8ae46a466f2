//! Instrumentation of futures: measured from first poll to completion, not from construction.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::callsite::CallSite;
use crate::guard::Guard;
use crate::metric_label::LabelValue;
use crate::outcome::Classified;

/// A future that records one call of its call site: the clock starts at the first poll, the
/// outcome is taken from the output, a panic inside a poll is `panic` and a drop before
/// completion is `cancelled`. `N` argument label values were taken when it was built.
#[must_use = "futures do nothing unless polled"]
pub struct Instrumented<F, C, const N: usize> {
    site: &'static CallSite,
    labels: [LabelValue; N],
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
            classify: Some(classify),
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

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `self` nor handed out
        // other than pinned, `Instrumented` is `Unpin` only when `F` is (auto trait), and it has
        // no `Drop` impl that could move it. The other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let (site, labels) = (this.site, &this.labels);
        let guard = this.guard.get_or_insert_with(|| site.enter_with(labels));
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

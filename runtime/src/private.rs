//! What expanded code calls. Not a public API: it changes without notice.

use std::future::Future;

pub use crate::exposition::{OBJECTIVE_SITES, ObjectiveSite};
pub use crate::model::{LabelValue, Objective, Outcome};
pub use crate::record::{
    CallSite, Classified, Classify, Guard, InBody, Instrumented, NotAResult, Unlabelled,
};
pub use linkme;

/// Every call site in the program, so `install()` can register their series before the first
/// call and `rate()` sees it.
#[linkme::distributed_slice]
pub static CALL_SITES: [&'static CallSite];

/// Runs a synchronous body as one recorded call. `classify` sees the returned value where its
/// type is concrete, so `Result`s count as `ok` or `error`.
#[inline]
pub fn call<R, F, C>(site: &'static CallSite, body: F, classify: C) -> R
where
    F: FnOnce() -> R,
    C: FnOnce(&R) -> Classified,
{
    call_labelled(site, &[], body, classify)
}

/// [`call`] for a function with argument labels, whose values are taken before the body runs.
#[inline]
pub fn call_labelled<R, F, C>(
    site: &'static CallSite,
    labels: &[LabelValue],
    body: F,
    classify: C,
) -> R
where
    F: FnOnce() -> R,
    C: FnOnce(&R) -> Classified,
{
    // Disabled by `ENABLE_METRICS=false` or excluded: one load, then the body as if
    // uninstrumented.
    if site.is_off() {
        return body();
    }
    let guard = site.enter_on(labels);
    let output = body();
    guard.finish(classify(&output));
    output
}

/// The body of an `async fn` whose call `guard` records, polled as the body; `R` pins the
/// body's output type, so `?` inside the `async` block infers as it does in an `async fn`.
#[inline]
pub fn in_body<R, F>(guard: &Guard, body: F) -> InBody<'_, F>
where
    F: Future<Output = R>,
{
    InBody::new(guard, body)
}

/// Wraps a future a function returns (`-> impl Future`, a boxed future) as one recorded call;
/// `R` pins the future's output type, so `?` inside an `async` block infers as it does in an
/// `async fn`. The values of argument labels are taken when the future is built.
#[inline]
pub fn instrument_labelled<R, F, C, const N: usize>(
    site: &'static CallSite,
    labels: [LabelValue; N],
    future: F,
    classify: C,
) -> Instrumented<F, C, N>
where
    F: Future<Output = R>,
    C: FnOnce(&R) -> Classified,
{
    Instrumented::new(site, labels, future, classify)
}

/// The outcome of a call of a function with `last_success`, handed on after noting an `ok` one:
/// only such functions pay for it, and only on success.
#[inline]
pub fn last_success(site: &ObjectiveSite, classified: Classified) -> Classified {
    if classified.outcome() == Outcome::Ok {
        site.succeeded();
    }
    classified
}

/// Evaluated in a `const` when the attribute lists `buckets` (as nanoseconds): an objective's
/// latency threshold must be one of them, or the build fails here.
pub const fn latency_is_a_bucket_bound(objective: &Objective, bounds_nanos: &[u64]) {
    let Some((threshold, _)) = objective.latency_target() else {
        return;
    };
    let nanos = threshold.as_nanos();
    let mut index = 0;
    while index < bounds_nanos.len() {
        if bounds_nanos[index] as u128 == nanos {
            return;
        }
        index += 1;
    }
    panic!(
        "the objective's latency threshold is not one of this function's `buckets`: add it to \
         the buckets, or choose one of them as the threshold"
    );
}

//! What expanded code calls. Not a public API: it changes without notice.

use std::future::Future;

pub use crate::callsite::CallSite;
pub use crate::future::Instrumented;
pub use crate::guard::Guard;
pub use crate::outcome::{Classify, NotAResult, Outcome};

/// Runs a synchronous body as one recorded call. `classify` sees the returned value where its
/// type is concrete, so `Result`s count as `ok` or `error`.
#[inline]
pub fn call<R, F, C>(site: &'static CallSite, body: F, classify: C) -> R
where
    F: FnOnce() -> R,
    C: FnOnce(&R) -> Outcome,
{
    let guard = site.enter();
    let output = body();
    guard.finish(classify(&output));
    output
}

/// Wraps a future's body as one recorded call; `R` pins the body's output type, so `?` inside an
/// `async` block infers as it does in an `async fn`.
#[inline]
pub fn instrument<R, F, C>(site: &'static CallSite, future: F, classify: C) -> Instrumented<F, C>
where
    F: Future<Output = R>,
    C: FnOnce(&R) -> Outcome,
{
    Instrumented::new(site, future, classify)
}

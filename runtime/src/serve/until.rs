//! Running a future until another one finishes first, without an async framework's macros.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

/// `work`'s output, or `None` when `stop` finished first (then `work` is dropped unfinished).
pub(crate) async fn until<T>(work: impl Future<Output = T>, stop: impl Future) -> Option<T> {
    let mut work = pin!(work);
    let mut stop = pin!(stop);
    poll_fn(|context| {
        if let Poll::Ready(output) = work.as_mut().poll(context) {
            return Poll::Ready(Some(output));
        }
        if stop.as_mut().poll(context).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

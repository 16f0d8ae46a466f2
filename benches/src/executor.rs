//! The smallest executor that drives a future: poll with a no-op waker until it is ready.
//!
//! The benched futures never wait, so the first poll completes them; what is measured is the
//! future's construction and one poll, with no scheduler around it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Polls `future` to completion on this thread, spinning between polls.
#[inline]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drives_a_future_that_is_pending_once() {
        let mut polled = false;
        let future = std::future::poll_fn(|_| {
            if polled {
                Poll::Ready(7)
            } else {
                polled = true;
                Poll::Pending
            }
        });
        assert_eq!(block_on(future), 7);
    }
}

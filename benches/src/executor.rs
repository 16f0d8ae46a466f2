//! The smallest executor that drives a future: poll with a no-op waker until it is ready.
//!
//! The benched futures never wait, so the first poll completes them; what is measured is the
//! future's construction and one poll, with no scheduler around it. The future is built in
//! place (`block_on(pin!(f()))`), as `.await` builds it inside the awaiting future: a freshly
//! built future that is moved instead (passed by value) is copied with wide loads over the
//! narrow stores that just wrote it, a store-forwarding stall of ~15 ns whose size depends on the
//! future's layout rather than on what it does (see benches/README.md).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Polls `future` to completion on this thread, spinning between polls.
#[inline]
pub fn block_on<F: Future>(mut future: Pin<&mut F>) -> F::Output {
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
        assert_eq!(block_on(std::pin::pin!(future)), 7);
    }
}

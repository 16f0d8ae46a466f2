//! The body wrappers: the response body ends its request's exchange when it is sent or dropped;
//! the request body counts the bytes the service reads.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use super::exchange::Exchange;
use crate::exposition::HttpSeries;

pin_project! {
    /// A response body that ends its request's measurement when it is fully sent or dropped.
    pub struct MeasuredBody<B> {
        #[pin]
        inner: B,
        exchange: Option<Exchange>,
    }
}

impl<B: Body> Body for MeasuredBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> PolledFrame<B> {
        let this = self.project();
        let exchange = this.exchange;
        let frame = std::task::ready!(poll_counting(this.inner, cx, |bytes| {
            if let Some(exchange) = exchange.as_mut() {
                exchange.sent(bytes);
            }
        }));
        if matches!(frame, None | Some(Err(_))) {
            // The end of the body, or an error that ends it: the request is done.
            *exchange = None;
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// A request body that counts the bytes the service reads from it.
    pub struct CountedBody<B> {
        #[pin]
        inner: B,
        received: Received,
    }
}

/// Where a request body's bytes are counted.
pub(super) enum Received {
    /// Straight into the route's series, as they are read.
    Own(&'static HttpSeries),
    /// Into a count the exchange reads when it ends (through the `metrics` facade).
    Shared(Arc<AtomicU64>),
    /// Not at all: the route is not recorded.
    Off,
}

impl<B: Body> Body for CountedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> PolledFrame<B> {
        let this = self.project();
        let received = this.received;
        poll_counting(this.inner, cx, |bytes| match received {
            Received::Own(series) => series.received(bytes),
            Received::Shared(count) => {
                count.fetch_add(bytes, Ordering::Relaxed);
            }
            Received::Off => {}
        })
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What [`Body::poll_frame`] returns.
type PolledFrame<B> = Poll<Option<Result<Frame<<B as Body>::Data>, <B as Body>::Error>>>;

/// Polls `body` for its next frame, passing the size of a data frame to `count`.
fn poll_counting<B: Body>(
    body: Pin<&mut B>,
    cx: &mut Context<'_>,
    count: impl FnOnce(u64),
) -> PolledFrame<B> {
    let frame = std::task::ready!(body.poll_frame(cx));
    if let Some(Ok(frame)) = &frame
        && let Some(data) = frame.data_ref()
    {
        count(bytes::Buf::remaining(data) as u64);
    }
    Poll::Ready(frame)
}

impl<B> MeasuredBody<B> {
    pub(super) fn new(inner: B, exchange: Option<Exchange>) -> Self {
        MeasuredBody { inner, exchange }
    }
}

impl<B> CountedBody<B> {
    pub(super) fn new(inner: B, received: Received) -> Self {
        CountedBody { inner, received }
    }
}

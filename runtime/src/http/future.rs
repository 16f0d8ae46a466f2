//! The future of the HTTP service: hands the exchange to the response body, or ends it when
//! the service fails.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;
use http_body::Body;
use pin_project_lite::pin_project;

use super::body::MeasuredBody;
use super::exchange::Exchange;

pin_project! {
    /// The future of [`HttpMetrics`](super::HttpMetrics).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        exchange: Option<Exchange>,
    }
}

impl<F, ResponseBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, E>>,
    ResponseBody: Body,
{
    type Output = Result<Response<MeasuredBody<ResponseBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        let mut exchange = this.exchange.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(exchange) = &mut exchange {
                    exchange.responded(response.status());
                }
                if response.body().is_end_stream() {
                    // An empty body may never be polled: the exchange ends with the headers.
                    exchange = None;
                }
                Ok(response.map(|body| MeasuredBody::new(body, exchange)))
            }
            Err(error) => {
                if let Some(exchange) = &mut exchange {
                    exchange.failed();
                }
                Err(error)
            }
        })
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, exchange: Option<Exchange>) -> Self {
        ResponseFuture { inner, exchange }
    }
}

//! The HTTP layer allocates nothing per request once a route has been seen: a request through
//! `HttpMetrics` around a service that itself allocates nothing makes no allocation from the
//! call to the end of its response body. Counted by a global allocator, on this thread only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::body::Bytes;
use axum::http::{Request, Response};
use http_body_util::{BodyExt, Full};
use instrument_metrics::Builder;
use instrument_metrics::http::{CountedBody, HttpMetricsLayer};
use tower::{Layer, Service};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to `System`; the counting only touches const thread-locals without
// destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|count| count.set(count.get() + 1));
        }
        // SAFETY: as the caller promised `System` through us.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|counting| counting.set(true));
    f();
    COUNTING.with(|counting| counting.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the service is ready at once"),
    }
}

/// Reads a body to its end without keeping it (collecting would allocate a buffer list); its
/// length in bytes.
fn drain<B: axum::body::HttpBody<Data = Bytes> + Unpin>(mut body: B) -> usize {
    let mut length = 0;
    while let Some(frame) = ready(body.frame()) {
        let Ok(frame) = frame else {
            panic!("the body is read");
        };
        length += frame.data_ref().map_or(0, Bytes::len);
    }
    length
}

#[test]
fn a_request_allocates_nothing_once_its_route_is_known() {
    let exporter = Builder::new()
        .without_listener()
        .install()
        .unwrap_or_else(|error| panic!("install: {error}"));
    let inner = tower::service_fn(|request: Request<CountedBody<Full<Bytes>>>| async move {
        let reply = if drain(request.into_body()) == 5 {
            "hello"
        } else {
            "wrong"
        };
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
            reply.as_bytes(),
        ))))
    });
    let mut service = HttpMetricsLayer::new().layer(inner);
    let mut one = |request: Request<Full<Bytes>>| {
        let response = ready(service.call(request)).unwrap_or_else(|never| match never {});
        drain(response.into_body())
    };
    let request = || Request::new(Full::new(Bytes::from_static(b"12345")));
    // The counter counts.
    assert_eq!(
        allocations(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(8)))),
        1
    );
    // The first request of the route resolves it (and allocates).
    assert_eq!(one(request()), 5);
    for _ in 0..3 {
        let request = request();
        let mut length = 0;
        assert_eq!(allocations(|| length = one(request)), 0);
        assert_eq!(length, "hello".len());
    }
    let rendered = exporter.render();
    for line in [
        "http_requests_total{handler=\"none\",method=\"GET\",status=\"200\"} 4",
        "http_request_size_bytes_sum{handler=\"none\"} 20",
        "http_response_size_bytes_sum{handler=\"none\"} 20",
        "http_requests_in_progress{handler=\"none\",method=\"GET\"} 0",
    ] {
        assert!(
            rendered.lines().any(|rendered| rendered == line),
            "{line} in\n{rendered}"
        );
    }
}

// The HTTP benchmark shared by the `http_*` binaries (included): one in-process axum request to
// `/users/{id}` (`oneshot`, body collected), on one and two threads, through the binary's `layer`
// (axum-prometheus, ours, an identity layer) around the router, and through the same router
// without it. One process per layer: axum-prometheus sets the global recorder, and so does
// `install()`. The router without the layer is in every process, measured right before the one
// with it: what a layer adds is taken within one process, where the machine's state (another
// tenant on the core slows every instruction here for seconds at a time) is the same for both.

use std::hint::black_box;
use std::pin::pin;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::Request;
use axum::routing::get;
use http_body_util::BodyExt;
use instrument_metrics_benches::executor::block_on;
use instrument_metrics_benches::sample_size::MICROS;
use instrument_metrics_benches::{alloc, sink};
use tower::ServiceExt;

#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;

static APP: OnceLock<Router> = OnceLock::new();

/// The same router without the layer.
static NONE: OnceLock<Router> = OnceLock::new();

async fn show_user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

/// The router as `axum::serve` runs it: `with_state(())` turns every handler into its route,
/// layers applied, once (`serve` does it once per connection). A router used as a service without
/// it rebuilds the handler's route, and applies every layer to it again, on every request.
fn router(layer: impl FnOnce(Router) -> Router) -> Router {
    layer(Router::new().route("/users/{id}", get(show_user))).with_state(())
}

/// One request through the router, its body read to the end.
fn request(app: &Router, id: u64) -> usize {
    let request = Request::builder()
        .uri(format!("/users/{id}"))
        .body(Body::empty())
        .expect("a request");
    block_on(pin!(async {
        let response = app.clone().oneshot(request).await.expect("infallible");
        let body = response.into_body().collect().await.expect("a body");
        body.to_bytes().len()
    }))
}

fn main() {
    let app = APP.get_or_init(|| router(layer));
    let none = NONE.get_or_init(|| router(|router| router));
    assert_eq!(request(app, 7), "user 7".len());
    assert_eq!(request(none, 7), "user 7".len());
    check(app);
    if instrument_metrics_benches::benchmarking() {
        alloc::report(
            BINARY,
            &mut [
                ("request", &mut || sink(request(app, 7))),
                ("request_none", &mut || sink(request(none, 7))),
            ],
        );
    }
    divan::main();
}

/// Per request per thread, through the layer; two threads send to the same router at once.
#[divan::bench(threads = [1, 2], sample_size = MICROS)]
fn request_users() -> usize {
    request(APP.get().expect("built in main"), black_box(7))
}

/// The same without the layer (divan runs it right before `request_users`).
#[divan::bench(threads = [1, 2], sample_size = MICROS)]
fn request_none() -> usize {
    request(NONE.get().expect("built in main"), black_box(7))
}

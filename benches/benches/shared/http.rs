// The HTTP benchmark shared by the `http_*` binaries (included): one in-process axum request to
// `/users/{id}` (`oneshot`, body collected), on one and two threads, with the binary's `layer`
// (none, axum-prometheus, ours) around the router. One process per variant: axum-prometheus sets
// the global recorder, and so does `install()`.

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

async fn show_user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

/// The router as `axum::serve` runs it: `with_state(())` turns every handler into its route,
/// layers applied, once (`serve` does it once per connection). A router used as a service without
/// it rebuilds the handler's route, and applies every layer to it again, on every request.
fn router() -> Router {
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
    let app = APP.get_or_init(router);
    assert_eq!(request(app, 7), "user 7".len());
    check(app);
    if instrument_metrics_benches::benchmarking() {
        alloc::report(BINARY, &mut [("request", &mut || sink(request(app, 7)))]);
    }
    divan::main();
}

/// Per request per thread; two threads send to the same router at once.
#[divan::bench(threads = [1, 2], sample_size = MICROS)]
fn request_users() -> usize {
    request(APP.get().expect("built in main"), black_box(7))
}

//! An axum request without any metrics layer: what a request costs by itself.

include!("shared/http.rs");

const BINARY: &str = "http_none";

fn layer(router: Router) -> Router {
    router
}

fn check(_: &Router) {}

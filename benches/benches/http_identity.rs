//! An axum request through a layer that only wraps the request and response bodies (tower's
//! `map_request` and `map_response` in one layer, an identity frame map): what axum's layering and body
//! boxing cost any body-measuring layer, so that `http_ours` minus this is the layer's own work.

include!("shared/http.rs");

use axum::http::Response;
use tower::ServiceBuilder;

const BINARY: &str = "http_identity";

fn same<T>(frame: T) -> T {
    frame
}

fn layer(router: Router) -> Router {
    // One `Router::layer`, as `HttpMetricsLayer` is applied.
    router.layer(
        ServiceBuilder::new()
            .map_request(|request: Request<Body>| {
                request.map(|body| body.map_frame(same as fn(_) -> _))
            })
            .map_response(|response: Response<Body>| {
                response.map(|body| body.map_frame(same as fn(_) -> _))
            }),
    )
}

fn check(_: &Router) {}

//! HTTP request metrics for axum and any tower service.
//!
//! | family | type | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `handler`, `method`, `status` |
//! | `http_request_duration_seconds` | histogram (`0.05 0.1 0.3 1 3 5`) | `handler`, `method` |
//! | `http_request_size_bytes` | summary | `handler` |
//! | `http_response_size_bytes` | summary | `handler` |
//! | `http_requests_in_progress` | gauge | `handler`, `method` |
//!
//! `handler` is the route template (`/users/{id}`), never the raw path, so a scanner probing
//! random paths adds no series: requests no route matched are `handler="none"`. Methods outside
//! the standard nine are `method="other"`. A request ends when its response body has been sent,
//! or dropped (a client that went away): either way it is counted and leaves the in-progress
//! gauge. Routes matching `METRICS_EXCLUDED_HANDLERS`, and `/metrics`, are not recorded.

// Inside: `HttpMetricsLayer` and its service (`HttpMetrics`, layer.rs) find the route and start
// an exchange (exchange.rs, one request being measured), which ends when its `MeasuredBody`
// (body.rs) is sent or dropped; `CountedBody` counts what the service reads of the request.
// With the crate's exporter installed, routes.rs resolves a route template and method once to
// its series in `crate::exposition` (per-thread shards), which the exchange writes into;
// otherwise families.rs names the families and records into them through the `metrics` facade,
// into whatever recorder is active; traceparent.rs reads a request's trace for the duration's
// exemplars. Imports: `crate::model` (family names), `crate::exposition` (the series,
// exemplars) and `crate::record` (prefix, exclusions, the clock).

mod body;
mod exchange;
mod families;
mod future;
mod layer;
mod routes;
mod traceparent;

pub use body::{CountedBody, MeasuredBody};
pub use future::ResponseFuture;
pub use layer::{HttpMetrics, HttpMetricsLayer};

/// Duration buckets of `http_request_duration_seconds`, in seconds.
pub const HTTP_BUCKETS: &[f64] = crate::model::names::http::BUCKETS;

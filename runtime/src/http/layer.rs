//! The layer and the service it wraps around another: finds a request's route template and
//! starts its exchange.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use http::{Extensions, Method, Request, Response};
use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use super::body::{CountedBody, MeasuredBody};
use super::exchange::Exchange;
use super::families::HttpFamilies;
use super::future::ResponseFuture;
use super::traceparent;
use crate::model::names::http::UNMATCHED;
use crate::record::settings;

/// How a request's route template is found.
type RouteOf = Arc<dyn Fn(&Extensions) -> Option<String> + Send + Sync>;

/// A [`Layer`] recording the HTTP metrics above for every request of the services it wraps.
///
/// With axum, apply it with `Router::layer` after every `route`, `merge`, `nest` and
/// `fallback`: a router merged in afterwards brings its own, unmeasured fallback, and a layer
/// wrapped around the whole router runs before routing, so it sees no route template.
///
/// ```no_run
/// # #[cfg(feature = "axum")]
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
///
/// let exporter = instrument_metrics::install()?;
/// let app = Router::new()
///     .route("/users/{id}", get(|| async { "user" }))
///     .layer(instrument_metrics::http::HttpMetricsLayer::new());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).await?;
/// # drop(exporter);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct HttpMetricsLayer {
    config: Arc<LayerConfig>,
}

/// What every service of one layer shares.
struct LayerConfig {
    route_of: RouteOf,
    group_status: bool,
    excluded: Vec<String>,
    families: OnceLock<Arc<HttpFamilies>>,
}

impl Default for HttpMetricsLayer {
    fn default() -> Self {
        HttpMetricsLayer::new()
    }
}

impl fmt::Debug for HttpMetricsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpMetricsLayer")
            .field("group_status", &self.config.group_status)
            .field("excluded", &self.config.excluded)
            .finish_non_exhaustive()
    }
}

impl HttpMetricsLayer {
    /// Route templates from axum's `MatchedPath` (feature `axum`); exact status codes;
    /// `/metrics` excluded.
    pub fn new() -> Self {
        HttpMetricsLayer {
            config: Arc::new(LayerConfig {
                route_of: Arc::new(matched_path),
                group_status: false,
                excluded: vec!["/metrics".to_owned()],
                families: OnceLock::new(),
            }),
        }
    }

    /// Finds the route template of a request in its extensions, for routers other than axum's.
    #[must_use]
    pub fn route_with(
        self,
        route_of: impl Fn(&Extensions) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.with_config(|config| config.route_of = Arc::new(route_of))
    }

    /// Labels statuses by class (`2xx`, `4xx`) instead of exactly (`200`, `404`).
    #[must_use]
    pub fn group_status_codes(self, group: bool) -> Self {
        self.with_config(|config| config.group_status = group)
    }

    /// Also leaves this route template unrecorded (besides `METRICS_EXCLUDED_HANDLERS` and
    /// `/metrics`).
    #[must_use]
    pub fn exclude(self, route: &str) -> Self {
        self.with_config(|config| config.excluded.push(route.to_owned()))
    }

    fn with_config(self, change: impl FnOnce(&mut LayerConfig)) -> Self {
        let mut config = LayerConfig {
            route_of: Arc::clone(&self.config.route_of),
            group_status: self.config.group_status,
            excluded: self.config.excluded.clone(),
            families: OnceLock::new(),
        };
        change(&mut config);
        HttpMetricsLayer {
            config: Arc::new(config),
        }
    }
}

#[cfg(feature = "axum")]
fn matched_path(extensions: &Extensions) -> Option<String> {
    extensions
        .get::<axum::extract::MatchedPath>()
        .map(|path| path.as_str().to_owned())
}

#[cfg(not(feature = "axum"))]
fn matched_path(_: &Extensions) -> Option<String> {
    None
}

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> HttpMetrics<S> {
        HttpMetrics {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`HttpMetricsLayer`] wraps around another.
#[derive(Clone)]
pub struct HttpMetrics<S> {
    inner: S,
    config: Arc<LayerConfig>,
}

impl<S> fmt::Debug for HttpMetrics<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpMetrics").finish_non_exhaustive()
    }
}

impl<S, RequestBody, ResponseBody> Service<Request<RequestBody>> for HttpMetrics<S>
where
    S: Service<Request<CountedBody<RequestBody>>, Response = Response<ResponseBody>>,
    ResponseBody: Body,
{
    type Response = Response<MeasuredBody<ResponseBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        let handler =
            (self.config.route_of)(request.extensions()).unwrap_or_else(|| UNMATCHED.to_owned());
        let recorded = !self.config.excluded.contains(&handler) && !settings::is_excluded(&handler);
        let received = Arc::new(AtomicU64::new(0));
        let request = request.map(|body| CountedBody::new(body, Arc::clone(&received)));
        let exchange = recorded.then(|| {
            let trace = traceparent::of(request.headers());
            let method = method_label(request.method());
            let families = HttpFamilies::cached(&self.config.families);
            Exchange::start(
                families,
                self.config.group_status,
                handler,
                method,
                received,
                trace,
            )
        });
        ResponseFuture::new(self.inner.call(request), exchange)
    }
}

/// Standard methods by name; anything else is one label value, so methods cannot add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

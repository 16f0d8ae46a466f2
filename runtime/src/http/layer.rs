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

use super::body::{CountedBody, MeasuredBody, Received};
use super::exchange::{Exchange, Sink, Traced};
use super::families::HttpFamilies;
use super::future::ResponseFuture;
use super::routes::Routes;
use super::traceparent;
use crate::exposition::{self, Registry};
use crate::model::Objective;
use crate::model::names::http::UNMATCHED;
use crate::record::settings;

/// A user's function finding a request's route template.
type CustomRoute = Arc<dyn Fn(&Extensions) -> Option<String> + Send + Sync>;

/// How a request's route template is found.
#[derive(Clone)]
enum RouteOf {
    /// axum's `MatchedPath`, borrowed from the request.
    Matched,
    /// The user's function (`route_with`).
    Custom(CustomRoute),
}

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
    /// The installed exporter's registry, once there is one.
    registry: OnceLock<&'static Registry>,
    /// Routes resolved to the registry's series.
    routes: Routes,
}

impl LayerConfig {
    fn new(route_of: RouteOf, group_status: bool, excluded: Vec<String>) -> LayerConfig {
        LayerConfig {
            route_of,
            group_status,
            excluded,
            families: OnceLock::new(),
            registry: OnceLock::new(),
            routes: Routes::new(),
        }
    }

    /// The installed exporter's registry: one load once it is known.
    fn registry(&self) -> Option<&'static Registry> {
        if let Some(registry) = self.registry.get() {
            return Some(registry);
        }
        let registry = exposition::registry()?;
        Some(self.registry.get_or_init(|| registry))
    }

    /// Whether requests to `handler` are not recorded.
    fn is_excluded(&self, handler: &str) -> bool {
        self.excluded.iter().any(|route| route == handler) || settings::is_excluded(handler)
    }
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
            config: Arc::new(LayerConfig::new(
                RouteOf::Matched,
                false,
                vec!["/metrics".to_owned()],
            )),
        }
    }

    /// Finds the route template of a request in its extensions, for routers other than axum's.
    #[must_use]
    pub fn route_with(
        self,
        route_of: impl Fn(&Extensions) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.with_config(|config| config.route_of = RouteOf::Custom(Arc::new(route_of)))
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

    /// Counts the requests to `route` (a route template, `/users/{id}`) towards `objective`:
    /// a failure is a 5xx response, a slow request one slower than its latency threshold. The
    /// exposition gets `http_objective_info{handler="/users/{id}",objective="..",...} 1` and the
    /// targets as values, `http_objective_success_target{handler,objective}` and
    /// `http_objective_latency_target{handler,objective,latency_le}`; routes share an objective by
    /// naming the same one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use instrument_metrics::{Objective, http::HttpMetricsLayer};
    ///
    /// const READ_USERS: Objective = Objective::new("read_users")
    ///     .success_rate(99.5)
    ///     .latency(Duration::from_millis(300), 95.0);
    ///
    /// let layer = HttpMetricsLayer::new().objective("/users/{id}", READ_USERS);
    /// # drop(layer);
    /// ```
    ///
    /// # Panics
    ///
    /// When the objective's latency threshold is not one of the HTTP duration buckets,
    /// [`HTTP_BUCKETS`](super::HTTP_BUCKETS): no latency target could be computed for it.
    #[must_use]
    pub fn objective(self, route: &str, objective: Objective) -> Self {
        if let Err(problem) = exposition::declare_route(route, objective) {
            panic!("{problem}");
        }
        self
    }

    fn with_config(self, change: impl FnOnce(&mut LayerConfig)) -> Self {
        let mut config = LayerConfig::new(
            self.config.route_of.clone(),
            self.config.group_status,
            self.config.excluded.clone(),
        );
        change(&mut config);
        HttpMetricsLayer {
            config: Arc::new(config),
        }
    }
}

#[cfg(feature = "axum")]
fn matched_path(extensions: &Extensions) -> Option<&str> {
    extensions
        .get::<axum::extract::MatchedPath>()
        .map(axum::extract::MatchedPath::as_str)
}

#[cfg(not(feature = "axum"))]
fn matched_path(_: &Extensions) -> Option<&str> {
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
        let config = &*self.config;
        let method = method_label(request.method());
        let custom;
        let handler = match &config.route_of {
            RouteOf::Matched => matched_path(request.extensions()),
            RouteOf::Custom(route_of) => {
                custom = route_of(request.extensions());
                custom.as_deref()
            }
        }
        .unwrap_or(UNMATCHED);
        let (sink, received) = match config.registry() {
            // The installed exporter: the route's series, resolved once.
            Some(registry) => {
                let series = config.routes.get(handler, method, || {
                    (!config.is_excluded(handler)).then(|| registry.register_http(handler, method))
                });
                match series {
                    Some(series) => (Some(Sink::Own(series)), Received::Own(series)),
                    None => (None, Received::Off),
                }
            }
            // Any other recorder: through the `metrics` facade.
            None if config.is_excluded(handler) => (None, Received::Off),
            None => {
                let received = Arc::new(AtomicU64::new(0));
                let families = HttpFamilies::cached(&config.families);
                let sink =
                    Sink::facade(families, handler.to_owned(), method, Arc::clone(&received));
                (Some(sink), Received::Shared(received))
            }
        };
        let exchange = sink.map(|sink| {
            let trace = traceparent::of(request.headers()).map(|context| Traced {
                context,
                families: HttpFamilies::cached(&config.families),
            });
            Exchange::start(sink, config.group_status, trace)
        });
        let request = request.map(|body| CountedBody::new(body, received));
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

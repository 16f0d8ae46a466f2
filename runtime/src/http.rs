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

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use metrics::{Gauge, Label, Level, Metadata, Recorder, SharedString, Unit};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::settings;

/// Duration buckets of `http_request_duration_seconds`, in seconds.
pub const HTTP_BUCKETS: &[f64] = &[0.05, 0.1, 0.3, 1.0, 3.0, 5.0];

const UNMATCHED: &str = "none";

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// How a request's route template is found.
type RouteOf = Arc<dyn Fn(&http::Extensions) -> Option<String> + Send + Sync>;

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
    config: Arc<Config>,
}

struct Config {
    route_of: RouteOf,
    group_status: bool,
    excluded: Vec<String>,
    names: OnceLock<Arc<Names>>,
}

struct Names {
    requests: String,
    duration: String,
    request_size: String,
    response_size: String,
    in_progress: String,
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
            config: Arc::new(Config {
                route_of: Arc::new(matched_path),
                group_status: false,
                excluded: vec!["/metrics".to_owned()],
                names: OnceLock::new(),
            }),
        }
    }

    /// Finds the route template of a request in its extensions, for routers other than axum's.
    #[must_use]
    pub fn route_with(
        self,
        route_of: impl Fn(&http::Extensions) -> Option<String> + Send + Sync + 'static,
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

    fn with_config(self, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            route_of: Arc::clone(&self.config.route_of),
            group_status: self.config.group_status,
            excluded: self.config.excluded.clone(),
            names: OnceLock::new(),
        };
        change(&mut config);
        HttpMetricsLayer {
            config: Arc::new(config),
        }
    }
}

#[cfg(feature = "axum")]
fn matched_path(extensions: &http::Extensions) -> Option<String> {
    extensions
        .get::<axum::extract::MatchedPath>()
        .map(|path| path.as_str().to_owned())
}

#[cfg(not(feature = "axum"))]
fn matched_path(_: &http::Extensions) -> Option<String> {
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
    config: Arc<Config>,
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
        let received = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let request = request.map(|body| CountedBody {
            inner: body,
            received: Arc::clone(&received),
        });
        let exchange = recorded.then(|| {
            let method = method_label(request.method());
            Exchange::start(Arc::clone(&self.config), handler, method, received)
        });
        ResponseFuture {
            inner: self.inner.call(request),
            exchange,
        }
    }
}

/// One request being served, until its response body is finished or dropped.
struct Exchange {
    config: Arc<Config>,
    names: Arc<Names>,
    handler: String,
    method: &'static str,
    start: Instant,
    received: Arc<std::sync::atomic::AtomicU64>,
    in_progress: Gauge,
    status: Option<http::StatusCode>,
    /// The service returned an error instead of a response: the server answers 500.
    failed: bool,
    sent: u64,
}

impl Exchange {
    fn start(
        config: Arc<Config>,
        handler: String,
        method: &'static str,
        received: Arc<std::sync::atomic::AtomicU64>,
    ) -> Self {
        let names = config.names();
        let in_progress = metrics::with_recorder(|recorder| {
            let labels = vec![
                Label::new("handler", handler.clone()),
                Label::from_static_parts("method", method),
            ];
            recorder.register_gauge(
                &metrics::Key::from_parts(names.in_progress.clone(), labels),
                &METADATA,
            )
        });
        in_progress.increment(1.0);
        Exchange {
            config,
            names,
            handler,
            method,
            start: Instant::now(),
            received,
            in_progress,
            status: None,
            failed: false,
            sent: 0,
        }
    }

    fn finish(&self) {
        let names = &self.names;
        let code = match self.status {
            Some(status) => status.as_u16(),
            None if self.failed => 500,
            // Dropped before a response: the client went away (nginx's 499).
            None => 499,
        };
        let status = if self.config.group_status {
            format!("{}xx", code / 100)
        } else {
            code.to_string()
        };
        let received = self.received.load(std::sync::atomic::Ordering::Relaxed);
        metrics::with_recorder(|recorder| {
            let key =
                |name: &str, labels: Vec<Label>| metrics::Key::from_parts(name.to_owned(), labels);
            let handler = || Label::new("handler", self.handler.clone());
            let method = Label::from_static_parts("method", self.method);
            let requests = key(
                &names.requests,
                vec![handler(), method.clone(), Label::new("status", status)],
            );
            recorder.register_counter(&requests, &METADATA).increment(1);
            let duration = key(&names.duration, vec![handler(), method]);
            recorder
                .register_histogram(&duration, &METADATA)
                .record(self.start.elapsed().as_secs_f64());
            recorder
                .register_histogram(&key(&names.request_size, vec![handler()]), &METADATA)
                .record(received as f64);
            recorder
                .register_histogram(&key(&names.response_size, vec![handler()]), &METADATA)
                .record(self.sent as f64);
        });
        self.in_progress.decrement(1.0);
    }
}

impl Config {
    /// The names, kept once `install()` has fixed the prefix and the recorder; before that (or
    /// with a foreign recorder and no `install()`) made again per request, so a later
    /// `install()` is not stuck with names and HELP text from before it.
    fn names(&self) -> Arc<Names> {
        if let Some(names) = self.names.get() {
            return Arc::clone(names);
        }
        let prefix = settings::prefix();
        let names = Arc::new(Names {
            requests: format!("{prefix}http_requests_total"),
            duration: format!("{prefix}http_request_duration_seconds"),
            request_size: format!("{prefix}http_request_size_bytes"),
            response_size: format!("{prefix}http_response_size_bytes"),
            in_progress: format!("{prefix}http_requests_in_progress"),
        });
        metrics::with_recorder(|recorder| describe(recorder, &names));
        if settings::installed() {
            let _ = self.names.set(Arc::clone(&names));
        }
        names
    }
}

fn describe(recorder: &dyn Recorder, names: &Names) {
    let help = SharedString::const_str;
    recorder.describe_counter(
        names.requests.clone().into(),
        None,
        help("HTTP requests, by route template, method and status."),
    );
    recorder.describe_histogram(
        names.duration.clone().into(),
        Some(Unit::Seconds),
        help("HTTP request duration until the response body was sent, in seconds."),
    );
    recorder.describe_histogram(
        names.request_size.clone().into(),
        Some(Unit::Bytes),
        help("HTTP request body size, in bytes."),
    );
    recorder.describe_histogram(
        names.response_size.clone().into(),
        Some(Unit::Bytes),
        help("HTTP response body size, in bytes."),
    );
    recorder.describe_gauge(
        names.in_progress.clone().into(),
        None,
        help("HTTP requests being served."),
    );
}

/// Standard methods by name; anything else is one label value, so methods cannot add series.
fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::HEAD => "HEAD",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::PATCH => "PATCH",
        http::Method::OPTIONS => "OPTIONS",
        http::Method::CONNECT => "CONNECT",
        http::Method::TRACE => "TRACE",
        _ => "other",
    }
}

pin_project! {
    /// The future of [`HttpMetrics`].
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
                    exchange.status = Some(response.status());
                }
                let mut measured = response.map(|body| MeasuredBody {
                    inner: body,
                    exchange,
                });
                if measured.body().is_end_stream() {
                    // An empty body may never be polled: the exchange ends with the headers.
                    measured.body_mut().exchange = None;
                }
                Ok(measured)
            }
            Err(error) => {
                if let Some(exchange) = &mut exchange {
                    exchange.failed = true;
                }
                Err(error)
            }
        })
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.finish();
    }
}

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
                exchange.sent += bytes;
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
        received: Arc<std::sync::atomic::AtomicU64>,
    }
}

impl<B: Body> Body for CountedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> PolledFrame<B> {
        let this = self.project();
        let received = this.received;
        poll_counting(this.inner, cx, |bytes| {
            received.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
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

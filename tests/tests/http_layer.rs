//! The HTTP layer in-process: axum routers with `HttpMetricsLayer`, driven request by request
//! with `tower::ServiceExt::oneshot`, checked against the rendered exposition.
//!
//! One exporter serves the whole test binary and tests run in parallel, so every test uses its
//! own route templates and asserts only on the series of those. Only
//! `unmatched_requests_are_handler_none` sends requests that no route matches.

mod support;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{Method, Request, Response, StatusCode, header};
use axum::routing::{any, get, post};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use instrument_metrics::http::HttpMetricsLayer;
use instrument_metrics::{Builder, Exporter, instrument_metrics};
use support::exposition::{self, Sample};
use tower::{Layer, ServiceExt};

/// What `METRICS_EXCLUDED_HANDLERS=/internal/.*` would exclude.
const EXCLUDED_PATTERN: &str = "/internal/.*";

fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        Builder::new()
            .listen_address("127.0.0.1:0".parse().expect("a socket address"))
            .exclude(EXCLUDED_PATTERN)
            .install()
            .unwrap_or_else(|error| panic!("install: {error}"))
    })
}

// ---- the exposition, per handler ---------------------------------------------------------

fn samples() -> (String, Vec<Sample>) {
    let text = exporter().render();
    let samples = exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    (text, samples)
}

/// `http_requests_total` of `handler`, by (method, status).
fn requests(handler: &str) -> BTreeMap<(String, String), f64> {
    samples()
        .1
        .into_iter()
        .filter(|sample| sample.name == "http_requests_total" && sample.label("handler") == handler)
        .map(|sample| {
            assert_eq!(sample.labels.len(), 3, "labels of {sample:?}");
            let key = (
                sample.label("method").to_owned(),
                sample.label("status").to_owned(),
            );
            (key, sample.value)
        })
        .collect()
}

/// `http_requests_in_progress` of `handler`, by method.
fn in_progress(handler: &str) -> BTreeMap<String, f64> {
    samples()
        .1
        .into_iter()
        .filter(|sample| {
            sample.name == "http_requests_in_progress" && sample.label("handler") == handler
        })
        .map(|sample| {
            assert_eq!(sample.labels.len(), 2, "labels of {sample:?}");
            (sample.label("method").to_owned(), sample.value)
        })
        .collect()
}

/// The `_sum` and `_count` of a summary (`http_request_size_bytes`, `http_response_size_bytes`)
/// for `handler`; `None` when it has no series.
fn summary(family: &str, handler: &str) -> Option<(f64, f64)> {
    let samples = samples().1;
    let one = |suffix: &str| {
        let name = format!("{family}{suffix}");
        let found: Vec<f64> = samples
            .iter()
            .filter(|sample| sample.name == name && sample.label("handler") == handler)
            .map(|sample| sample.value)
            .collect();
        assert!(found.len() <= 1, "several {name} for {handler}: {found:?}");
        found.first().copied()
    };
    Some((one("_sum")?, one("_count")?))
}

/// The cumulative buckets of `http_request_duration_seconds` for `handler` and `method`, by
/// `le`, in the order rendered.
fn duration_buckets(handler: &str, method: &str) -> Vec<(String, f64)> {
    samples()
        .1
        .into_iter()
        .filter(|sample| {
            sample.name == "http_request_duration_seconds_bucket"
                && sample.label("handler") == handler
                && sample.label("method") == method
        })
        .map(|sample| (sample.label("le").to_owned(), sample.value))
        .collect()
}

/// Every series of any family labelled with `handler`.
fn series_of(handler: &str) -> Vec<Sample> {
    samples()
        .1
        .into_iter()
        .filter(|sample| sample.label("handler") == handler)
        .collect()
}

fn expect(pairs: &[(&str, &str, f64)]) -> BTreeMap<(String, String), f64> {
    pairs
        .iter()
        .map(|(method, status, count)| (((*method).to_owned(), (*status).to_owned()), *count))
        .collect()
}

// ---- requests ----------------------------------------------------------------------------

fn request(method: &str, uri: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a method"))
        .uri(uri)
        .body(body)
        .expect("a request")
}

async fn send(app: &Router, request: Request<Body>) -> Response<Body> {
    let response = app.clone().oneshot(request).await;
    response.unwrap_or_else(|never: Infallible| match never {})
}

/// Sends the request and reads the whole response body.
async fn exchange(app: &Router, request: Request<Body>) -> (StatusCode, Bytes) {
    let response = send(app, request).await;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap_or_else(|error| panic!("reading the body: {error}"))
        .to_bytes();
    (status, body)
}

async fn get_ok(app: &Router, uri: &str) -> Bytes {
    let (status, body) = exchange(app, request("GET", uri, Body::empty())).await;
    assert_eq!(status, StatusCode::OK, "GET {uri}: {body:?}");
    body
}

/// A body sent as these frames, with no length known in advance.
fn frames(sizes: &[usize]) -> Body {
    let frames: Vec<Result<Bytes, Infallible>> = sizes
        .iter()
        .map(|size| Ok(Bytes::from(vec![b'x'; *size])))
        .collect();
    Body::from_stream(futures_util::stream::iter(frames))
}

// ---- tests -------------------------------------------------------------------------------

#[instrument_metrics]
async fn show_user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

#[tokio::test]
async fn routes_are_labelled_by_their_template_never_the_raw_path() {
    exporter();
    let app = Router::new()
        .route("/tmpl/users/{id}", get(show_user))
        .layer(HttpMetricsLayer::new());
    for id in [1, 22, 333] {
        assert_eq!(
            get_ok(&app, &format!("/tmpl/users/{id}")).await,
            format!("user {id}")
        );
    }

    let handler = "/tmpl/users/{id}";
    assert_eq!(requests(handler), expect(&[("GET", "200", 3.0)]));
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 0.0)]));
    let buckets = duration_buckets(handler, "GET");
    let bounds: Vec<&str> = buckets.iter().map(|(le, _)| le.as_str()).collect();
    assert_eq!(bounds, ["0.05", "0.1", "0.3", "1", "3", "5", "+Inf"]);
    assert_eq!(buckets.last().map(|(_, count)| *count), Some(3.0));
    assert_eq!(
        summary("http_request_size_bytes", handler),
        Some((0.0, 3.0))
    );
    assert_eq!(
        summary("http_response_size_bytes", handler),
        Some(((6 + 7 + 8) as f64, 3.0))
    );

    let (text, _) = samples();
    for raw in ["/tmpl/users/1", "/tmpl/users/22", "/tmpl/users/333"] {
        assert!(
            !text.contains(&format!("{raw}\"")),
            "{raw} appears in\n{text}"
        );
    }
    let types = exposition::types(&text);
    let helps = exposition::helps(&text);
    for (family, kind) in [
        ("http_requests_total", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("http_request_size_bytes", "summary"),
        ("http_response_size_bytes", "summary"),
        ("http_requests_in_progress", "gauge"),
    ] {
        assert_eq!(types.get(family).map(String::as_str), Some(kind), "{text}");
        assert!(
            helps.get(family).is_some_and(|help| !help.is_empty()),
            "no HELP for {family}\n{text}"
        );
    }
}

/// The only test that sends requests no route matches. It also pins down the two ways of
/// applying the layer that lose them, which the guide warns about
/// (`instrument_metrics::guide::http_layer`, "Where to apply it").
#[tokio::test]
async fn unmatched_requests_are_handler_none() {
    let none = || requests("none");
    assert_eq!(none(), expect(&[]));

    // Layered last, after merging the exporter's router: unmatched paths are `none`, a
    // matched path with the wrong method keeps its template.
    let app = Router::new()
        .route("/nm/known", get(|| async { "known" }))
        .merge(exporter().router())
        .layer(HttpMetricsLayer::new());
    for path in ["/nm/unknown/1", "/nm/unknown/2", "/nope", "/nm/known/extra"] {
        let (status, _) = exchange(&app, request("GET", path, Body::empty())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let (status, _) = exchange(&app, request("PROPFIND", "/nope", Body::empty())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = exchange(&app, request("POST", "/nm/known", Body::empty())).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        none(),
        expect(&[("GET", "404", 4.0), ("other", "404", 1.0)])
    );
    assert_eq!(requests("/nm/known"), expect(&[("POST", "405", 1.0)]));

    // A custom fallback, layered after it, is `none` too, with the fallback's status.
    let app = Router::new()
        .route("/fb/known", get(|| async { "known" }))
        .fallback(|| async { (StatusCode::GONE, "gone") })
        .layer(HttpMetricsLayer::new());
    let (status, _) = exchange(&app, request("GET", "/fb/unknown", Body::empty())).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        none(),
        expect(&[
            ("GET", "404", 4.0),
            ("GET", "410", 1.0),
            ("other", "404", 1.0)
        ])
    );

    // Pitfall 1: a router merged after `layer` brings its own unlayered fallback, which axum
    // keeps, so unmatched requests are not recorded at all.
    let app = Router::new()
        .route("/p1/known", get(|| async { "known" }))
        .layer(HttpMetricsLayer::new())
        .merge(exporter().router());
    let (status, _) = exchange(&app, request("GET", "/p1/unknown", Body::empty())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(get_ok(&app, "/p1/known").await, "known");
    assert_eq!(requests("/p1/known"), expect(&[("GET", "200", 1.0)]));
    assert_eq!(
        none(),
        expect(&[
            ("GET", "404", 4.0),
            ("GET", "410", 1.0),
            ("other", "404", 1.0)
        ]),
        "axum now layers the fallback of a router merged after `layer`: update \"Where to apply it\" in runtime/src/guide/http_layer.md"
    );

    // Pitfall 2: wrapped around the router from outside, the layer runs before routing, sees
    // no `MatchedPath`, and records every request as `none`.
    let outside =
        HttpMetricsLayer::new().layer(Router::new().route("/p2/known", get(|| async { "known" })));
    let response = outside
        .oneshot(request("GET", "/p2/known", Body::empty()))
        .await
        .unwrap_or_else(|never: Infallible| match never {});
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes());
    assert_eq!(body.ok(), Some(Bytes::from_static(b"known")));
    assert_eq!(requests("/p2/known"), expect(&[]));
    assert_eq!(
        none(),
        expect(&[
            ("GET", "200", 1.0),
            ("GET", "404", 4.0),
            ("GET", "410", 1.0),
            ("other", "404", 1.0)
        ])
    );

    let (text, _) = samples();
    for raw in ["/nm/unknown", "/nope", "/fb/unknown", "/p1/unknown"] {
        assert!(!text.contains(raw), "{raw} appears in\n{text}");
    }
    assert_eq!(
        in_progress("none"),
        BTreeMap::from([("GET".into(), 0.0), ("other".into(), 0.0)])
    );
}

#[tokio::test]
async fn methods_outside_the_standard_nine_are_grouped_as_other() {
    exporter();
    let app = Router::new()
        .route("/methods", any(|| async { "any" }))
        .layer(HttpMetricsLayer::new());
    for method in [
        "GET", "POST", "DELETE", "PATCH", "PROPFIND", "PURGE", "BREW",
    ] {
        let (status, _) = exchange(&app, request(method, "/methods", Body::empty())).await;
        assert_eq!(status, StatusCode::OK, "{method}");
    }
    assert_eq!(
        requests("/methods"),
        expect(&[
            ("DELETE", "200", 1.0),
            ("GET", "200", 1.0),
            ("PATCH", "200", 1.0),
            ("POST", "200", 1.0),
            ("other", "200", 3.0),
        ])
    );
    let methods: Vec<String> = in_progress("/methods").into_keys().collect();
    assert_eq!(methods, ["DELETE", "GET", "PATCH", "POST", "other"]);
}

async fn status_from_path(Path(code): Path<u16>) -> StatusCode {
    StatusCode::from_u16(code).expect("a status code")
}

#[tokio::test]
async fn status_codes_are_exact_by_default() {
    exporter();
    let app = Router::new()
        .route("/status/{code}", get(status_from_path))
        .layer(HttpMetricsLayer::new());
    for code in [200, 201, 204, 404, 404, 503] {
        let (status, _) = exchange(
            &app,
            request("GET", &format!("/status/{code}"), Body::empty()),
        )
        .await;
        assert_eq!(status.as_u16(), code);
    }
    assert_eq!(
        requests("/status/{code}"),
        expect(&[
            ("GET", "200", 1.0),
            ("GET", "201", 1.0),
            ("GET", "204", 1.0),
            ("GET", "404", 2.0),
            ("GET", "503", 1.0),
        ])
    );
    assert_eq!(
        in_progress("/status/{code}"),
        BTreeMap::from([("GET".into(), 0.0)])
    );
}

#[tokio::test]
async fn status_codes_are_grouped_when_configured() {
    exporter();
    let app = Router::new()
        .route("/grouped/{code}", get(status_from_path))
        .layer(HttpMetricsLayer::new().group_status_codes(true));
    for code in [200, 201, 302, 404, 418, 500, 503] {
        let (status, _) = exchange(
            &app,
            request("GET", &format!("/grouped/{code}"), Body::empty()),
        )
        .await;
        assert_eq!(status.as_u16(), code);
    }
    assert_eq!(
        requests("/grouped/{code}"),
        expect(&[
            ("GET", "2xx", 2.0),
            ("GET", "3xx", 1.0),
            ("GET", "4xx", 2.0),
            ("GET", "5xx", 2.0),
        ])
    );
}

#[tokio::test]
async fn request_size_is_the_bytes_the_handler_read() {
    exporter();
    let app = Router::new()
        .route(
            "/sizes/read",
            post(|body: Bytes| async move { format!("{:>10}", body.len()) }),
        )
        .route("/sizes/ignored", post(|| async { "ignored" }))
        .layer(HttpMetricsLayer::new());

    // A body with a length, and one streamed in frames without one.
    let (status, body) = exchange(
        &app,
        request("POST", "/sizes/read", Body::from(vec![b'a'; 1234])),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, Bytes::from("      1234")));
    let (status, body) = exchange(
        &app,
        request("POST", "/sizes/read", frames(&[100, 200, 300])),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, Bytes::from("       600")));
    assert_eq!(
        summary("http_request_size_bytes", "/sizes/read"),
        Some((1834.0, 2.0))
    );
    assert_eq!(
        summary("http_response_size_bytes", "/sizes/read"),
        Some((20.0, 2.0))
    );

    // A handler that never reads the body: nothing was received.
    let (status, _) = exchange(
        &app,
        request("POST", "/sizes/ignored", Body::from(vec![b'a'; 500])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        summary("http_request_size_bytes", "/sizes/ignored"),
        Some((0.0, 1.0))
    );
    assert_eq!(
        summary("http_response_size_bytes", "/sizes/ignored"),
        Some((7.0, 1.0))
    );
}

#[instrument_metrics]
async fn stream_frames() -> Body {
    frames(&[1, 10, 100, 1000])
}

#[tokio::test]
async fn streaming_response_size_is_summed_over_its_frames() {
    exporter();
    let app = Router::new()
        .route("/sizes/stream", get(stream_frames))
        .layer(HttpMetricsLayer::new());
    for _ in 0..2 {
        let response = send(&app, request("GET", "/sizes/stream", Body::empty())).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get(header::CONTENT_LENGTH), None);
        let mut body = response.into_body();
        let mut sizes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.unwrap_or_else(|error| panic!("frame: {error}"));
            sizes.extend(frame.data_ref().map(Bytes::len));
        }
        assert_eq!(sizes, [1, 10, 100, 1000]);
    }
    assert_eq!(
        summary("http_response_size_bytes", "/sizes/stream"),
        Some((2222.0, 2.0))
    );
    assert_eq!(requests("/sizes/stream"), expect(&[("GET", "200", 2.0)]));
}

#[tokio::test]
async fn duration_ends_when_the_body_has_been_sent() {
    exporter();
    let handler = "/timing/stream";
    let app = Router::new()
        .route(
            handler,
            get(|| async {
                let first = futures_util::stream::iter([Ok::<_, Infallible>(Bytes::from("a"))]);
                let later = futures_util::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Ok(Bytes::from("b"))
                });
                Body::from_stream(first.chain(later))
            }),
        )
        .layer(HttpMetricsLayer::new());

    let response = send(&app, request("GET", handler, Body::empty())).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The handler has returned, but the body is still being sent.
    assert_eq!(requests(handler), expect(&[]));
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 1.0)]));

    let body = response
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes());
    assert_eq!(body.ok(), Some(Bytes::from("ab")));
    assert_eq!(requests(handler), expect(&[("GET", "200", 1.0)]));
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 0.0)]));
    let buckets: BTreeMap<String, f64> = duration_buckets(handler, "GET").into_iter().collect();
    assert_eq!(
        buckets.get("0.1"),
        Some(&0.0),
        "the 150 ms after the handler count: {buckets:?}"
    );
    assert_eq!(buckets.get("+Inf"), Some(&1.0), "{buckets:?}");
}

#[tokio::test]
async fn a_body_dropped_mid_stream_is_counted_and_leaves_in_progress() {
    exporter();
    let handler = "/disconnect/stream";
    let app = Router::new()
        .route(
            handler,
            get(|| async {
                let first =
                    futures_util::stream::iter([Ok::<_, Infallible>(Bytes::from("partial"))]);
                Body::from_stream(first.chain(futures_util::stream::pending()))
            }),
        )
        .layer(HttpMetricsLayer::new());

    let response = send(&app, request("GET", handler, Body::empty())).await;
    let mut body = response.into_body();
    let frame = body
        .frame()
        .await
        .and_then(Result::ok)
        .and_then(|frame| frame.into_data().ok());
    assert_eq!(frame, Some(Bytes::from("partial")));
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 1.0)]));
    assert_eq!(requests(handler), expect(&[]));

    // The client goes away: the server drops the body it was sending.
    drop(body);
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 0.0)]));
    assert_eq!(requests(handler), expect(&[("GET", "200", 1.0)]));
    assert_eq!(
        summary("http_response_size_bytes", handler),
        Some((7.0, 1.0))
    );
    assert_eq!(
        duration_buckets(handler, "GET").last().map(|(_, n)| *n),
        Some(1.0)
    );
}

#[instrument_metrics]
async fn waits_forever() -> &'static str {
    std::future::pending().await
}

#[tokio::test]
async fn a_request_dropped_before_its_response_is_counted_as_499() {
    exporter();
    let handler = "/disconnect/early";
    let app = Router::new()
        .route(handler, get(waits_forever))
        .layer(HttpMetricsLayer::new());

    // Boxed, so that dropping it drops the future itself.
    let mut pending = Box::pin(app.oneshot(request("GET", handler, Body::empty())));
    let waited = tokio::time::timeout(Duration::from_millis(50), &mut pending).await;
    assert!(waited.is_err(), "the handler never answers");
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 1.0)]));

    // Dropped like hyper drops it when the connection closes before the response.
    drop(pending);
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 0.0)]));
    assert_eq!(requests(handler), expect(&[("GET", "499", 1.0)]));
    let (text, samples) = samples();
    let cancelled = samples.iter().find(|sample| {
        sample.name == "function_calls_total"
            && sample.label("function") == "waits_forever"
            && sample.label("result") == "cancelled"
    });
    assert_eq!(cancelled.map(|sample| sample.value), Some(1.0), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_progress_counts_the_requests_being_served() {
    exporter();
    let handler = "/concurrent";
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let app = Router::new()
        .route(
            handler,
            get({
                let release = Arc::clone(&release);
                move || async move {
                    release.acquire().await.expect("not closed").forget();
                    "released"
                }
            }),
        )
        .layer(HttpMetricsLayer::new());

    let clients: Vec<_> = (0..3)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(
                async move { exchange(&app, request("GET", handler, Body::empty())).await },
            )
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while in_progress(handler).get("GET") != Some(&3.0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "in progress: {:?}",
            in_progress(handler)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(requests(handler), expect(&[]));

    release.add_permits(3);
    for client in clients {
        let (status, body) = client.await.expect("the client task");
        assert_eq!((status, body), (StatusCode::OK, Bytes::from("released")));
    }
    assert_eq!(in_progress(handler), BTreeMap::from([("GET".into(), 0.0)]));
    assert_eq!(requests(handler), expect(&[("GET", "200", 3.0)]));
}

#[tokio::test]
async fn the_metrics_endpoint_is_not_recorded() {
    let app = Router::new()
        .route("/endpoint/ok", get(|| async { "ok" }))
        .merge(exporter().router())
        .layer(HttpMetricsLayer::new());
    let scraped = get_ok(&app, "/metrics").await;
    assert!(
        std::str::from_utf8(&scraped).is_ok_and(|text| text.contains("# TYPE")),
        "{scraped:?}"
    );
    get_ok(&app, "/endpoint/ok").await;
    get_ok(&app, "/metrics").await;

    assert_eq!(series_of("/metrics"), []);
    assert_eq!(requests("/endpoint/ok"), expect(&[("GET", "200", 1.0)]));
}

#[tokio::test]
async fn excluded_routes_are_not_recorded() {
    exporter();
    let app = Router::new()
        .route("/excluded/health", get(|| async { "ok" }))
        .route("/excluded/health/deep", get(|| async { "ok" }))
        .route("/internal/debug", get(|| async { "ok" }))
        .route("/internal/{section}/state", get(|| async { "ok" }))
        .layer(HttpMetricsLayer::new().exclude("/excluded/health"));
    for path in [
        "/excluded/health",
        "/excluded/health/deep",
        "/internal/debug",
        "/internal/cache/state",
    ] {
        get_ok(&app, path).await;
    }

    // `exclude` names one template exactly; the exporter's patterns (METRICS_EXCLUDED_HANDLERS)
    // match whole templates.
    assert_eq!(series_of("/excluded/health"), []);
    assert_eq!(series_of("/internal/debug"), []);
    assert_eq!(series_of("/internal/{section}/state"), []);
    assert_eq!(
        requests("/excluded/health/deep"),
        expect(&[("GET", "200", 1.0)])
    );
}

/// Eight tasks on a four-worker runtime send requests to one route at once; the statuses, the
/// body sizes, the histogram's count and the requests in progress are exact, including while
/// eight requests are held open.
#[test]
fn concurrent_requests_count_exactly() {
    const TASKS: u64 = 8;
    const REQUESTS: u64 = 1_000;
    exporter();
    let handler = "/hammer/{code}";
    let hold = Arc::new((
        tokio::sync::Barrier::new(TASKS as usize + 1),
        tokio::sync::Barrier::new(TASKS as usize + 1),
    ));
    let held = Arc::clone(&hold);
    let app = Router::new()
        .route(
            handler,
            post(move |Path(code): Path<u16>, body: Bytes| {
                let hold = Arc::clone(&held);
                async move {
                    if code == 202 {
                        hold.0.wait().await;
                        hold.1.wait().await;
                    }
                    let status = StatusCode::from_u16(code).expect("a status code");
                    (status, vec![b'r'; body.len() * 2])
                }
            }),
        )
        .layer(HttpMetricsLayer::new());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("a runtime");
    let in_progress_while_held = runtime.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move {
                    for i in 0..REQUESTS {
                        let code = [200, 404, 503, 418][(i % 4) as usize];
                        let body = Body::from(vec![b'q'; (i % 7) as usize]);
                        let uri = format!("/hammer/{code}");
                        let (status, _) = exchange(&app, request("POST", &uri, body)).await;
                        assert_eq!(status.as_u16(), code);
                    }
                    exchange(&app, request("POST", "/hammer/202", Body::empty())).await
                })
            })
            .collect();
        // Bounded: a task that failed never arrives.
        let arrived = tokio::time::timeout(Duration::from_secs(60), hold.0.wait()).await;
        assert!(arrived.is_ok(), "the held requests did not all arrive");
        let held = in_progress(handler);
        hold.1.wait().await;
        for task in tasks {
            assert_eq!(task.await.expect("no task panics").0, StatusCode::ACCEPTED);
        }
        held
    });
    assert_eq!(
        in_progress_while_held,
        BTreeMap::from([("POST".into(), TASKS as f64)])
    );
    let quarter = (TASKS * REQUESTS / 4) as f64;
    assert_eq!(
        requests(handler),
        expect(&[
            ("POST", "200", quarter),
            ("POST", "202", TASKS as f64),
            ("POST", "404", quarter),
            ("POST", "418", quarter),
            ("POST", "503", quarter),
        ])
    );
    assert_eq!(in_progress(handler), BTreeMap::from([("POST".into(), 0.0)]));
    let total = (TASKS * (REQUESTS + 1)) as f64;
    let received = (TASKS * (0..REQUESTS).map(|i| i % 7).sum::<u64>()) as f64;
    assert_eq!(
        summary("http_request_size_bytes", handler),
        Some((received, total))
    );
    assert_eq!(
        summary("http_response_size_bytes", handler),
        Some((2.0 * received, total))
    );
    let buckets = duration_buckets(handler, "POST");
    assert_eq!(buckets.last().map(|(_, count)| *count), Some(total));
}

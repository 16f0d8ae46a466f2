//! End to end: exemplars reach a real Prometheus (`--enable-feature=exemplar-storage`, which
//! scrapes in OpenMetrics) and its `/api/v1/query_exemplars` returns the trace ids we sent:
//! from requests' `traceparent` headers to the `http_service` example, and from the
//! OpenTelemetry span an instrumented function runs in (a real SDK tracer, feature
//! `opentelemetry`). A scrape that does not ask for OpenMetrics still gets the text format.
//!
//! Ignored by default because they start the example and need `prometheus` and `promtool`
//! (Debian's `prometheus` package) and `python3` with `prometheus-client`; `scripts/test`
//! installs them and runs these with `--include-ignored`. Every wait is bounded.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use instrument_metrics::instrument_metrics;
use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
use serde_json::Value;
use support::examples::Served;
use support::http::{self, PROMETHEUS_ACCEPT};
use support::process::{ChildGuard, poll, require_on_path};
use support::prometheus;
use support::scratch::ScratchDir;
use support::tools::{promtool_check, python_parse_openmetrics};

const LIMIT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Route templates of the example, each sent one traced request, with the trace id sent.
const TRACED: [(&str, &str, &str); 3] = [
    ("/", "/", "11111111111111111111111111111111"),
    (
        "/users/7",
        "/users/{id}",
        "22222222222222222222222222222222",
    ),
    ("/slow", "/slow", "33333333333333333333333333333333"),
];

#[test]
#[ignore = "starts the http_service example and prometheus; run by scripts/test"]
fn prometheus_stores_the_traceparent_of_http_requests_as_exemplars() {
    let scratch = ScratchDir::new("e2e-exemplars-http");
    let mut service = Served::start(
        &scratch,
        "http_service",
        &[("METRICS_EXEMPLARS", "true"), ("APP_ADDR", "127.0.0.1:0")],
    );
    let app = app_addr(&mut service);
    for (index, (path, _, trace)) in TRACED.iter().enumerate() {
        let traceparent = format!("00-{trace}-{:016x}-01", index + 1);
        let response = http::request(app, "GET", path, &[("traceparent", &traceparent)])
            .unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));
        assert_eq!(response.status, 200, "{path}: {response:?}");
    }
    // An unsampled trace is not kept by its backend: no exemplar may point at it.
    let unsampled = "00-44444444444444444444444444444444-0000000000000009-00";
    http::request(app, "GET", "/", &[("traceparent", unsampled)])
        .unwrap_or_else(|error| panic!("{error}"));

    // Anyone not asking for OpenMetrics gets the text format, as before.
    let plain = http::get(service.addr, "/metrics").unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = plain.text().unwrap_or_else(|error| panic!("{error}"));
    assert!(
        !text.contains("# EOF") && !text.contains("trace_id"),
        "{text}"
    );
    promtool_check(&text).unwrap_or_else(|findings| panic!("{findings}\n{text}"));
    let open = http::request(
        service.addr,
        "GET",
        "/metrics",
        &[("Accept", PROMETHEUS_ACCEPT)],
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        open.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let open = open.text().unwrap_or_else(|error| panic!("{error}"));
    python_parse_openmetrics(&open).unwrap_or_else(|error| panic!("{error}\n{open}"));

    let mut prometheus = Prometheus::start(&scratch, service.addr);
    let expected: BTreeMap<String, String> = TRACED
        .iter()
        .map(|(_, handler, trace)| ((*trace).to_owned(), (*handler).to_owned()))
        .collect();
    let found = prometheus.exemplars_until("http_request_duration_seconds_bucket", |found| {
        expected.keys().all(|trace| found.contains_key(trace))
    });
    for (trace, handler) in &expected {
        let (series, value) = &found[trace];
        assert_eq!(series["handler"], handler.as_str(), "{trace}: {series}");
        assert_eq!(series["method"], "GET", "{series}");
        assert_eq!(series["job"], "app", "{series}");
        if handler == "/slow" {
            assert!(
                *value >= 0.2,
                "/slow sleeps 200 ms, its exemplar says {value}"
            );
        }
    }
    assert!(
        !found.contains_key("44444444444444444444444444444444"),
        "an unsampled trace became an exemplar: {found:?}"
    );
    // Each request's count carries its trace too.
    let counted = prometheus.exemplars_until("http_requests_total", |found| {
        expected.keys().all(|trace| found.contains_key(trace))
    });
    for (trace, handler) in &expected {
        let (series, value) = &counted[trace];
        assert_eq!(
            (series["handler"].as_str(), *value),
            (Some(handler.as_str()), 1.0)
        );
        assert_eq!(series["status"], "200", "{series}");
    }
}

#[instrument_metrics]
fn handle_order() -> Result<(), std::io::Error> {
    std::thread::sleep(Duration::from_millis(30));
    Ok(())
}

#[test]
#[ignore = "needs prometheus; run by scripts/test"]
fn prometheus_stores_the_opentelemetry_trace_of_an_instrumented_function() {
    let exporter = instrument_metrics::Builder::new()
        .listen_address(SocketAddr::from(([127, 0, 0, 1], 0)))
        .exemplars(true)
        .install()
        .unwrap_or_else(|error| panic!("install: {error}"));
    let addr = exporter
        .local_addr()
        .unwrap_or_else(|| panic!("not listening"));
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let tracer = provider.tracer("e2e_exemplars");
    let (trace, span) = tracer.in_span("order", |context| {
        handle_order().unwrap_or_else(|error| panic!("{error}"));
        let span = context.span().span_context().clone();
        (span.trace_id().to_string(), span.span_id().to_string())
    });
    // Outside any span: recorded, but with no trace to point at.
    handle_order().unwrap_or_else(|error| panic!("{error}"));

    let scratch = ScratchDir::new("e2e-exemplars-otel");
    let mut prometheus = Prometheus::start(&scratch, addr);
    let query = "function_calls_duration_seconds_bucket{function=\"handle_order\"}";
    let found = prometheus.exemplars_until(query, |found| found.contains_key(&trace));
    let (series, value) = &found[&trace];
    assert_eq!(series["module"], "e2e_exemplars", "{series}");
    // A call of at least 30 ms, in the one bucket its value falls into.
    let le: f64 = series["le"]
        .as_str()
        .and_then(|le| le.parse().ok())
        .unwrap_or(f64::NAN);
    let below = instrument_metrics::DEFAULT_BUCKETS
        .iter()
        .rev()
        .find(|bound| **bound < le)
        .copied()
        .unwrap_or(0.0);
    assert!(
        *value >= 0.03 && below < *value && *value <= le,
        "{value} in {series}"
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let text = http::scrape(addr);
    assert!(
        !text.contains(&span),
        "exemplars only in OpenMetrics:\n{text}"
    );
}

/// The service's own address, from the line it prints when it starts.
fn app_addr(service: &mut Served) -> SocketAddr {
    poll(LIMIT, POLL_INTERVAL, || {
        let output = service.process.output();
        output
            .lines()
            .find_map(|line| line.strip_prefix("http_service: serving on http://"))
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .ok_or_else(|| format!("no address printed yet:\n{output}"))
    })
    .unwrap_or_else(|error| panic!("{error}"))
}

/// A real Prometheus with exemplar storage scraping `target` every second.
struct Prometheus {
    addr: SocketAddr,
    process: ChildGuard,
}

impl Prometheus {
    fn start(scratch: &ScratchDir, target: SocketAddr) -> Prometheus {
        let binary = require_on_path("prometheus", "prometheus");
        let config = scratch.join("prometheus.yml");
        let yaml = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
        );
        std::fs::write(&config, yaml).unwrap_or_else(|error| panic!("{error}"));
        let flags = ["--enable-feature=exemplar-storage"];
        let (addr, process) = prometheus::start_with_flags(&binary, scratch, &config, &flags);
        Prometheus { addr, process }
    }

    /// Polls `/api/v1/query_exemplars` for `query` until `done` accepts what it found: trace id
    /// to the series' labels and the exemplar's value.
    fn exemplars_until(
        &mut self,
        query: &str,
        done: impl Fn(&BTreeMap<String, (Value, f64)>) -> bool,
    ) -> BTreeMap<String, (Value, f64)> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let target = format!(
            "/api/v1/query_exemplars?query={}&start={}&end={}",
            http::encode_query_value(query),
            now - 600,
            now + 600
        );
        poll(LIMIT, POLL_INTERVAL, || {
            let answer = prometheus::api(self.addr, &target)?;
            let mut found = BTreeMap::new();
            for series in answer["data"].as_array().into_iter().flatten() {
                for exemplar in series["exemplars"].as_array().into_iter().flatten() {
                    let trace = exemplar["labels"]["trace_id"].as_str().unwrap_or_default();
                    let value = exemplar["value"].as_str().and_then(|v| v.parse().ok());
                    found.insert(
                        trace.to_owned(),
                        (series["seriesLabels"].clone(), value.unwrap_or(f64::NAN)),
                    );
                }
            }
            if done(&found) {
                Ok(found)
            } else {
                Err(format!("not all exemplars yet: {answer}"))
            }
        })
        .unwrap_or_else(|error| panic!("{error}\n{}", self.process.output()))
    }
}

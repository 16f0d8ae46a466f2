//! The OpenMetrics exposition, read back by an independent parser (the Python
//! `prometheus-client` OpenMetrics parser): every family of both renderers (our own, the
//! `metrics` exporter's: facade metrics, the HTTP layer, `build_info`, process metrics) with the
//! same samples and values as the text format 0.0.4, which `promtool` still finds clean;
//! exemplars from a `Builder::exemplar_source` hook and from a request's `traceparent`; and the
//! `Accept` negotiation of `/metrics`, with gzip.
//!
//! Needs `promtool` and `python3` with `prometheus-client`, so it is ignored by default;
//! `scripts/test` installs both and runs it with `--include-ignored`.

mod support;

use std::cell::Cell;
use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, Response, header};
use axum::routing::get;
use http_body_util::BodyExt;
use instrument_metrics::http::HttpMetricsLayer;
use instrument_metrics::{Exporter, TraceContext, instrument_metrics};
use support::http::{PROMETHEUS_ACCEPT, gunzip};
use support::tools::{PySample, promtool_check, python_parse, python_parse_openmetrics};
use tower::ServiceExt;

const FUNCTION_TRACE: u128 = 0x0af7651916cd43dd8448eb211c80319c;
const FUNCTION_SPAN: u64 = 0xb7ad6b7169203331;
const REQUEST_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const REQUEST_SPAN: &str = "00f067aa0ba902b7";

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

thread_local! {
    /// The trace the hook reports, as a tracing system would keep it.
    static CURRENT: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

#[instrument_metrics]
fn traced() {}

#[instrument_metrics]
fn untraced() {}

#[test]
#[ignore = "needs promtool and python3 with prometheus-client; run by scripts/test"]
fn openmetrics_has_every_sample_of_the_text_format_and_the_exemplars() {
    let exporter = instrument_metrics::Builder::new()
        .without_listener()
        .custom_label("service", "api \"v2\"")
        .build_info(instrument_metrics::build_info!())
        .exemplars(true)
        .exemplar_source(|| CURRENT.get())
        .install()
        .unwrap_or_else(|error| panic!("install: {error}"));
    CURRENT.set(TraceContext::new(FUNCTION_TRACE, FUNCTION_SPAN));
    traced();
    CURRENT.set(None);
    untraced();
    metrics::describe_counter!("jobs_total", "Jobs \"imported\", from C:\\in.");
    metrics::counter!("jobs_total", "kind" => "import").increment(3);
    // A counter without `_total` (promtool objects, so it is left out of that check) is not an
    // OpenMetrics counter: it becomes `unknown` under the same name.
    metrics::counter!("retries").increment(2);
    metrics::describe_gauge!("queue_depth", "Jobs waiting.");
    metrics::describe_histogram!("payload_bytes", "Payload sizes.");
    metrics::describe_histogram!("batch_duration_seconds", "Batch durations.");
    metrics::gauge!("queue_depth").set(4.5);
    metrics::histogram!("payload_bytes").record(100.0);
    metrics::histogram!("batch_duration_seconds").record(0.3);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    runtime.block_on(requests());

    let text = exporter.render();
    let open = exporter.render_openmetrics();
    let linted: String = text
        .lines()
        .filter(|line| !line.contains("retries"))
        .map(|line| format!("{line}\n"))
        .collect();
    promtool_check(&linted).unwrap_or_else(|findings| panic!("{findings}\n{text}"));
    assert!(open.ends_with("\n# EOF\n"), "{open}");
    for line in [
        "# TYPE function_calls counter",
        "# TYPE function_calls_duration_seconds histogram",
        "# UNIT function_calls_duration_seconds seconds",
        "# TYPE jobs counter",
        "# HELP jobs Jobs \\\"imported\\\", from C:\\\\in.",
        "# TYPE retries unknown",
        "# TYPE payload_bytes summary",
        "# UNIT payload_bytes bytes",
        "# TYPE process_cpu_seconds counter",
    ] {
        assert!(
            open.lines().any(|found| found == line),
            "no {line:?} in\n{open}"
        );
    }

    let parsed = python_parse_openmetrics(&open).unwrap_or_else(|error| panic!("{error}\n{open}"));
    let plain = python_parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    // Process metrics are read again at each render; the rest must not change.
    let values = |samples: &[PySample]| -> BTreeMap<String, f64> {
        samples
            .iter()
            .map(|sample| (format!("{}{:?}", sample.name, sample.labels), sample.value))
            .collect()
    };
    let (open_values, mut plain_values) = (values(&parsed), values(&plain));
    // The 0.0.4 parser names every counter sample `_total`, even `retries`, which the text has
    // (and Prometheus stores) as `retries`, as OpenMetrics has it.
    let retries = format!("{:?}", BTreeMap::from([("service", "api \"v2\"")]));
    let counted = plain_values.remove(&format!("retries_total{retries}"));
    plain_values.insert(format!("retries{retries}"), counted.unwrap_or(f64::NAN));
    assert_eq!(
        open_values.keys().collect::<Vec<_>>(),
        plain_values.keys().collect::<Vec<_>>(),
        "\n{text}\n{open}"
    );
    for (key, value) in &plain_values {
        if !key.starts_with("process_") {
            assert_eq!(open_values[key], *value, "{key}\n{text}\n{open}");
        }
    }
    for family in [
        "jobs",
        "retries",
        "queue_depth",
        "payload_bytes",
        "batch_duration_seconds",
    ] {
        assert!(
            parsed.iter().any(|sample| sample.family == family),
            "{family}\n{open}"
        );
    }

    let exemplars: Vec<&PySample> = parsed
        .iter()
        .filter(|sample| sample.exemplar.is_some())
        .collect();
    // The traced call's bucket and its count, the traced request's bucket and its count.
    assert_eq!(exemplars.len(), 4, "{exemplars:#?}\n{open}");
    let exemplar_of = |name: &str, label: (&str, &str)| {
        let sample = exemplars
            .iter()
            .find(|sample| {
                sample.name == name
                    && sample.labels.get(label.0).map(String::as_str) == Some(label.1)
            })
            .unwrap_or_else(|| panic!("no exemplar on {name} {label:?} in\n{open}"));
        (
            sample.labels.get("le").cloned().unwrap_or_default(),
            sample.exemplar.clone().unwrap_or_default(),
        )
    };
    let (le, (labels, value, timestamp)) = exemplar_of(
        "function_calls_duration_seconds_bucket",
        ("function", "traced"),
    );
    assert_eq!(le, "0.005", "a call taking no time");
    assert_eq!(labels["trace_id"], format!("{FUNCTION_TRACE:032x}"));
    assert_eq!(labels["span_id"], format!("{FUNCTION_SPAN:016x}"));
    assert!((0.0..=0.005).contains(&value), "{value}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    assert!(
        timestamp.is_some_and(|at| (now - 60.0..=now).contains(&at)),
        "{timestamp:?}"
    );
    let (_, (labels, _, _)) = exemplar_of(
        "http_request_duration_seconds_bucket",
        ("handler", "/users/{id}"),
    );
    assert_eq!(
        (labels["trace_id"].as_str(), labels["span_id"].as_str()),
        (REQUEST_TRACE, REQUEST_SPAN)
    );
    let (_, (labels, value, _)) = exemplar_of("function_calls_total", ("function", "traced"));
    assert_eq!(
        (labels["trace_id"].clone(), labels["span_id"].clone(), value),
        (
            format!("{FUNCTION_TRACE:032x}"),
            format!("{FUNCTION_SPAN:016x}"),
            1.0
        )
    );
    let (_, (labels, value, _)) = exemplar_of("http_requests_total", ("status", "200"));
    assert_eq!((labels["trace_id"].as_str(), value), (REQUEST_TRACE, 1.0));

    runtime.block_on(negotiation(&exporter));
}

/// Requests through the HTTP layer: one with a sampled `traceparent`, one without.
async fn requests() {
    let app = axum::Router::new()
        .route("/users/{id}", get(|| async { "user\n" }))
        .layer(HttpMetricsLayer::new());
    for traceparent in [Some(format!("00-{REQUEST_TRACE}-{REQUEST_SPAN}-01")), None] {
        let mut request = Request::get("/users/7");
        if let Some(traceparent) = traceparent {
            request = request.header("traceparent", traceparent);
        }
        let request = request
            .body(Body::empty())
            .unwrap_or_else(|error| panic!("{error}"));
        let response = app
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|error| match error {});
        response
            .into_body()
            .collect()
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
}

/// `/metrics` (here the axum embedding) answers in the format the `Accept` header asks for.
async fn negotiation(exporter: &Exporter) {
    let scrape = |accept: Option<&str>, gzip: bool| {
        let mut request = Request::get("/metrics");
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT, accept);
        }
        if gzip {
            request = request.header(header::ACCEPT_ENCODING, "gzip");
        }
        let request = request
            .body(Body::empty())
            .unwrap_or_else(|error| panic!("{error}"));
        exporter.router::<()>().oneshot(request)
    };
    let body = |response: Response<Body>| async move {
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        bytes.to_bytes().to_vec()
    };
    let content_type = |response: &Response<Body>| {
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };

    let response = scrape(Some(PROMETHEUS_ACCEPT), true)
        .await
        .unwrap_or_else(|error| match error {});
    assert_eq!(content_type(&response), OPENMETRICS);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(response.headers()[header::VARY], "Accept, Accept-Encoding");
    let open = gunzip(&body(response).await).unwrap_or_else(|error| panic!("{error}"));
    python_parse_openmetrics(&open).unwrap_or_else(|error| panic!("{error}\n{open}"));
    assert!(
        open.contains(&format!("trace_id=\"{REQUEST_TRACE}\"")),
        "{open}"
    );

    for accept in [None, Some("text/plain;version=0.0.4"), Some("*/*")] {
        let response = scrape(accept, false)
            .await
            .unwrap_or_else(|error| match error {});
        assert_eq!(content_type(&response), TEXT, "{accept:?}");
        let text =
            String::from_utf8(body(response).await).unwrap_or_else(|error| panic!("{error}"));
        assert!(
            !text.contains("# EOF") && !text.contains("trace_id"),
            "{accept:?}\n{text}"
        );
        python_parse(&text).unwrap_or_else(|error| {
            panic!(
                "{error}
{text}"
            )
        });
    }
}

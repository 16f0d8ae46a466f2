//! What `objective = ..`, `last_success` and `HttpMetricsLayer::objective` add to the installed
//! exporter's exposition, line by line: the `_objective_info` gauges with their targets and the
//! `latency_le` of the latency threshold, the `_objective_success_target` and `_objective_latency_target`
//! gauges with the targets as sample values, the last-success timestamp (0 before the first
//! success, moved by an `ok` call, left alone by an error), the expected interval, and the
//! `http_objective_*` gauges.
//!
//! One process, one exporter, installed before any instrumented call.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use instrument_metrics::http::HttpMetricsLayer;
use instrument_metrics::{Builder, Exporter, Objective, instrument_metrics};
use support::exposition::value;

const CHECKOUT: Objective = Objective::new("checkout")
    .success_rate(99.9)
    .latency(Duration::from_millis(250), 99.0);

const AVAILABLE: Objective = Objective::new("available").success_rate(99.5);

const FAST: Objective = Objective::new("fast").latency(Duration::from_millis(20), 90.0);

const READ_USERS: Objective = Objective::new("read_users")
    .success_rate(99.0)
    .latency(Duration::from_millis(300), 95.0);

fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        Builder::new()
            .listen_address(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .custom_label("env", "test")
            .install()
            .expect("the exporter installs on a free loopback port")
    })
}

fn assert_line(text: &str, line: &str) {
    assert!(
        text.lines().any(|rendered| rendered == line),
        "missing\n{line}\nin\n{text}"
    );
}

#[derive(Debug)]
struct OrderError;

#[instrument_metrics(objective = CHECKOUT)]
async fn place_order(items: u32) -> Result<u32, OrderError> {
    if items == 0 {
        Err(OrderError)
    } else {
        Ok(items)
    }
}

#[instrument_metrics(objective = CHECKOUT)]
fn refund_order(items: u32) -> Result<u32, OrderError> {
    if items == 0 {
        Err(OrderError)
    } else {
        Ok(items)
    }
}

#[instrument_metrics(name = "fast_path", buckets = [0.005, 0.02, 0.1], objective = FAST)]
fn lookup(key: u32) -> u32 {
    key
}

struct Cart;

#[instrument_metrics(objective = AVAILABLE)]
impl Cart {
    fn add(&self, items: u32) -> u32 {
        items
    }
}

#[test]
fn functions_with_an_objective_have_one_info_series_each() {
    let text = exporter().render();
    for line in [
        "# TYPE function_calls_objective_info gauge",
        "function_calls_objective_info{env=\"test\",function=\"place_order\",module=\"objectives\",objective=\"checkout\",success_target=\"0.999\",latency_target=\"0.99\",latency_le=\"0.25\"} 1",
        "function_calls_objective_info{env=\"test\",function=\"refund_order\",module=\"objectives\",objective=\"checkout\",success_target=\"0.999\",latency_target=\"0.99\",latency_le=\"0.25\"} 1",
        "function_calls_objective_info{env=\"test\",function=\"Cart::add\",module=\"objectives\",objective=\"available\",success_target=\"0.995\"} 1",
        "# TYPE fast_path_objective_info gauge",
        "fast_path_objective_info{env=\"test\",function=\"lookup\",module=\"objectives\",objective=\"fast\",latency_target=\"0.9\",latency_le=\"0.02\"} 1",
        // The targets again, as sample values: the success target only where the objective has
        // one, the latency target with the histogram's `le` of its threshold.
        "# TYPE function_calls_objective_success_target gauge",
        "function_calls_objective_success_target{env=\"test\",function=\"place_order\",module=\"objectives\",objective=\"checkout\"} 0.999",
        "function_calls_objective_success_target{env=\"test\",function=\"refund_order\",module=\"objectives\",objective=\"checkout\"} 0.999",
        "function_calls_objective_success_target{env=\"test\",function=\"Cart::add\",module=\"objectives\",objective=\"available\"} 0.995",
        "# TYPE function_calls_objective_latency_target gauge",
        "function_calls_objective_latency_target{env=\"test\",function=\"place_order\",module=\"objectives\",objective=\"checkout\",latency_le=\"0.25\"} 0.99",
        "function_calls_objective_latency_target{env=\"test\",function=\"refund_order\",module=\"objectives\",objective=\"checkout\",latency_le=\"0.25\"} 0.99",
        "# TYPE fast_path_objective_latency_target gauge",
        "fast_path_objective_latency_target{env=\"test\",function=\"lookup\",module=\"objectives\",objective=\"fast\",latency_le=\"0.02\"} 0.9",
        "heartbeat_objective_success_target{env=\"test\",function=\"beat\",module=\"objectives\",objective=\"available\"} 0.995",
        // The `le` the info series names is one the histogram has.
        "fast_path_duration_seconds_bucket{env=\"test\",function=\"lookup\",module=\"objectives\",le=\"0.02\"} 0",
        "function_calls_duration_seconds_bucket{env=\"test\",function=\"place_order\",module=\"objectives\",le=\"0.25\"} 0",
    ] {
        assert_line(&text, line);
    }
    // Series count: one per function, none per call or per bucket.
    let info = text
        .lines()
        .filter(|line| line.contains("_objective_info{") && !line.starts_with("http_"))
        .count();
    assert_eq!(info, 5, "the four functions above and `beat`:\n{text}");
    let count = |family: &str| text.matches(&format!("{family}{{")).count();
    assert_eq!(
        count("_objective_success_target") - count("http_objective_success_target"),
        4,
        "place_order, refund_order, Cart::add, beat:\n{text}"
    );
    assert_eq!(
        count("_objective_latency_target") - count("http_objective_latency_target"),
        3,
        "place_order, refund_order, lookup:\n{text}"
    );
    assert!(
        !text.contains("fast_path_objective_success_target"),
        "`fast` has no success target:\n{text}"
    );
    assert!(
        !text.contains(
            "function_calls_last_success_timestamp_seconds{env=\"test\",function=\"place_order\""
        ),
        "no last_success without the option:\n{text}"
    );
    // Calls of objective-only functions are recorded as before.
    futures_util::FutureExt::now_or_never(place_order(0))
        .expect("ready")
        .unwrap_err();
    refund_order(2).unwrap();
    assert_eq!(lookup(7), 7);
    assert_eq!(Cart.add(2), 2);
    let text = exporter().render();
    let calls = |function: &str, result: &str| {
        value(
            &text,
            "function_calls_total",
            &[
                ("env", "test"),
                ("function", function),
                ("module", "objectives"),
                ("result", result),
            ],
        )
    };
    assert_eq!(calls("place_order", "error"), Some(1.0));
    assert_eq!(calls("refund_order", "ok"), Some(1.0));
    assert_eq!(calls("Cart::add", "ok"), Some(1.0));
}

#[derive(Debug)]
struct SweepError;

#[instrument_metrics(last_success = "15m")]
fn sweep(fail: bool) -> Result<u32, SweepError> {
    if fail { Err(SweepError) } else { Ok(1) }
}

#[instrument_metrics(name = "heartbeat", last_success, objective = AVAILABLE)]
async fn beat() {}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn last_success(text: &str, family: &str, function: &str) -> Option<f64> {
    value(
        text,
        &format!("{family}_last_success_timestamp_seconds"),
        &[
            ("env", "test"),
            ("function", function),
            ("module", "objectives"),
        ],
    )
}

#[test]
fn last_success_is_zero_until_an_ok_call_and_an_error_leaves_it() {
    let text = exporter().render();
    assert_eq!(
        last_success(&text, "function_calls", "sweep"),
        Some(0.0),
        "{text}"
    );
    assert_line(
        &text,
        "function_calls_last_success_expected_interval_seconds{env=\"test\",function=\"sweep\",module=\"objectives\"} 900",
    );
    assert_line(
        &text,
        "# TYPE function_calls_last_success_timestamp_seconds gauge",
    );

    sweep(true).unwrap_err();
    let text = exporter().render();
    assert_eq!(
        last_success(&text, "function_calls", "sweep"),
        Some(0.0),
        "an error is no success"
    );

    let before = now();
    sweep(false).unwrap();
    let after = now();
    let text = exporter().render();
    let succeeded = last_success(&text, "function_calls", "sweep").expect("rendered");
    assert!(
        before <= succeeded && succeeded <= after,
        "{before} <= {succeeded} <= {after}"
    );

    std::thread::sleep(Duration::from_millis(20));
    sweep(true).unwrap_err();
    let text = exporter().render();
    assert_eq!(
        last_success(&text, "function_calls", "sweep"),
        Some(succeeded),
        "an error after a success leaves the time of the success"
    );
}

#[test]
fn last_success_without_an_interval_has_no_interval_series() {
    let text = exporter().render();
    assert_eq!(
        last_success(&text, "heartbeat", "beat"),
        Some(0.0),
        "{text}"
    );
    assert!(
        !text.contains("heartbeat_last_success_expected_interval_seconds"),
        "{text}"
    );
    assert_line(
        &text,
        "heartbeat_objective_info{env=\"test\",function=\"beat\",module=\"objectives\",objective=\"available\",success_target=\"0.995\"} 1",
    );
    let before = now();
    futures_util::FutureExt::now_or_never(beat()).expect("ready");
    let text = exporter().render();
    let succeeded = last_success(&text, "heartbeat", "beat").expect("rendered");
    assert!(before <= succeeded && succeeded <= now(), "{succeeded}");
}

#[test]
fn http_routes_get_an_info_series_per_route_and_objective() {
    let layer = HttpMetricsLayer::new()
        .objective("/users/{id}", READ_USERS)
        .objective("/users", READ_USERS)
        .objective("/users/{id}", READ_USERS);
    drop(layer);
    let text = exporter().render();
    assert_line(&text, "# TYPE http_objective_info gauge");
    assert_line(
        &text,
        "http_objective_info{env=\"test\",handler=\"/users/{id}\",objective=\"read_users\",success_target=\"0.99\",latency_target=\"0.95\",latency_le=\"0.3\"} 1",
    );
    assert_line(
        &text,
        "http_objective_info{env=\"test\",handler=\"/users\",objective=\"read_users\",success_target=\"0.99\",latency_target=\"0.95\",latency_le=\"0.3\"} 1",
    );
    for line in [
        "# TYPE http_objective_success_target gauge",
        "http_objective_success_target{env=\"test\",handler=\"/users/{id}\",objective=\"read_users\"} 0.99",
        "http_objective_success_target{env=\"test\",handler=\"/users\",objective=\"read_users\"} 0.99",
        "# TYPE http_objective_latency_target gauge",
        "http_objective_latency_target{env=\"test\",handler=\"/users/{id}\",objective=\"read_users\",latency_le=\"0.3\"} 0.95",
        "http_objective_latency_target{env=\"test\",handler=\"/users\",objective=\"read_users\",latency_le=\"0.3\"} 0.95",
    ] {
        assert_line(&text, line);
    }
    for family in [
        "http_objective_info{",
        "http_objective_success_target{",
        "http_objective_latency_target{",
    ] {
        assert_eq!(
            text.matches(family).count(),
            2,
            "one series per route and objective:\n{text}"
        );
    }
}

#[test]
fn an_http_threshold_off_the_buckets_panics_naming_the_route() {
    const SLOW: Objective = Objective::new("slow").latency(Duration::from_millis(200), 90.0);
    let panic = std::panic::catch_unwind(|| HttpMetricsLayer::new().objective("/slow", SLOW))
        .expect_err("0.2 is not an HTTP bucket");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert_eq!(
        message,
        "the latency threshold of objective \"slow\" for route \"/slow\" (200ms) is not one of \
         the HTTP duration buckets [0.05, 0.1, 0.3, 1.0, 3.0, 5.0]"
    );
}

#[test]
#[ignore = "needs promtool and python3 with prometheus-client; run by scripts/test"]
fn the_exposition_with_objectives_passes_promtool_and_the_python_parser() {
    let _ = HttpMetricsLayer::new().objective("/users/{id}", READ_USERS);
    sweep(false).unwrap();
    let text = exporter().render();
    // The latency targets name their threshold `latency_le`, not `le`: promtool's linter allows
    // `le` on histogram buckets only.
    assert_eq!(
        text.matches("_objective_latency_target{").count(),
        3 + text.matches("http_objective_latency_target{").count(),
        "place_order, refund_order, lookup and the routes:\n{text}"
    );
    support::tools::promtool_check(&text).unwrap();
    let parsed = support::tools::python_parse(&text).unwrap();
    let info: Vec<_> = parsed
        .iter()
        .filter(|sample| sample.name == "function_calls_objective_info")
        .collect();
    assert_eq!(
        info.len(),
        3,
        "place_order, refund_order, Cart::add: {info:?}"
    );
    assert!(
        info.iter()
            .all(|sample| sample.kind == "gauge" && sample.value == 1.0)
    );
    let route = parsed
        .iter()
        .find(|sample| sample.name == "http_objective_info")
        .expect("the route's series");
    assert_eq!(route.labels["handler"], "/users/{id}");
    assert_eq!(route.labels["latency_le"], "0.3");
    let target = |name: &str, function: &str| {
        let found: Vec<_> = parsed
            .iter()
            .filter(|sample| {
                sample.name == name
                    && sample.labels.get("function").map(String::as_str) == Some(function)
            })
            .collect();
        assert_eq!(found.len(), 1, "{name} of {function}: {found:?}");
        assert_eq!(found[0].kind, "gauge");
        (found[0].value, found[0].labels.get("latency_le").cloned())
    };
    assert_eq!(
        target("function_calls_objective_success_target", "place_order"),
        (0.999, None)
    );
    assert_eq!(
        target("function_calls_objective_latency_target", "place_order"),
        (0.99, Some("0.25".to_owned()))
    );
    assert_eq!(
        target("fast_path_objective_latency_target", "lookup"),
        (0.9, Some("0.02".to_owned()))
    );
    // The `latency_le` of the latency target is an `le` the parser also reads off the bucket.
    assert!(
        parsed
            .iter()
            .any(|sample| sample.name == "fast_path_duration_seconds_bucket"
                && sample.labels.get("function").map(String::as_str) == Some("lookup")
                && sample.labels.get("le").map(String::as_str) == Some("0.02")),
        "the bucket le=\"0.02\" of lookup"
    );
    let route = parsed
        .iter()
        .find(|sample| sample.name == "http_objective_latency_target")
        .expect("the route's latency target");
    assert_eq!(
        (
            route.value,
            route.labels["handler"].as_str(),
            route.labels["latency_le"].as_str()
        ),
        (0.95, "/users/{id}", "0.3")
    );
}

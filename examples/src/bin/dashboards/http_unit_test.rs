//! `tests/http_test.yml`: a route that fails and is slow, a healthy one with many 404s, one
//! without 5xx series and an idle one.

use crate::alerts::Alert;
use crate::crafted::{Traffic, series};
use crate::options::Options;
use crate::promql::Recorded;
use crate::unit_tests::{ExprCheck, UnitTest, unit_test_file};
use instrument_metrics_names::http;

pub fn http_test_file(options: &Options) -> String {
    unit_test_file(
        options,
        "HTTP routes: 5xx ratio and p99 alerts firing and quiet, recorded values.",
        &[routes_test(options)],
    )
}

fn routes_test(options: &Options) -> UnitTest {
    let requests = options.name(http::REQUESTS);
    let names = Recorded::http(options);
    let traffic = Traffic::new(options);
    let Traffic {
        total,
        failing,
        healthy,
        ..
    } = traffic;
    let job = "api";
    let instance_labels = |handler: &'static str| {
        traffic.labels(
            job,
            &[
                ("instance", "api-1:8080"),
                ("handler", handler),
                ("method", "GET"),
            ],
        )
    };
    let with = |handler: &'static str, status: &'static str| {
        let labels = [&instance_labels(handler)[..], &[("status", status)]].concat();
        series(&requests, &labels)
    };
    // /orders fails with 500s and 503s, /users/{id} fails rarely and answers many 404s (not
    // failures), /health has no 5xx series at all, /reports is idle.
    let unavailable = failing / 2;
    let mut input = vec![
        (with("/orders", "200"), traffic.growing(total - failing)),
        (
            with("/orders", "500"),
            traffic.growing(failing - unavailable),
        ),
        (with("/orders", "503"), traffic.growing(unavailable)),
        (
            with("/users/{id}", "200"),
            traffic.growing(total / 2 - healthy),
        ),
        (with("/users/{id}", "404"), traffic.growing(total / 2)),
        (with("/users/{id}", "500"), traffic.growing(healthy)),
        (with("/health", "200"), traffic.growing(total)),
        (with("/reports", "200"), traffic.flat(4)),
        (with("/reports", "500"), traffic.flat(1)),
    ];
    let latency = traffic.latency(
        &options.name("http_request_duration_seconds_bucket"),
        [
            &instance_labels("/orders"),
            &instance_labels("/users/{id}"),
            &instance_labels("/reports"),
        ],
        50,
    );
    input.extend(latency.series);

    let alerts = traffic.failing_and_slow_alerts(
        options,
        [Alert::HttpErrorRatioHigh, Alert::HttpLatencyHigh],
        &[&[("job", job), ("handler", "/orders")][..], traffic.kept()].concat(),
        ("/orders", job),
        latency.slow_p99,
    );

    // The recorded series keep `job`, the kept labels and `handler`.
    let recorded_with = |name: &str, handler: &str, extra: &[(&str, &str)]| {
        let rest = [&[("handler", handler)][..], extra].concat();
        series(name, &traffic.labels(job, &rest))
    };
    let recorded = |name: &str, handler: &str| recorded_with(name, handler, &[]);
    let eval_minutes = traffic.time.fired;
    let exprs = vec![
        ExprCheck {
            expr: format!(r#"{}{{handler="/orders"}}"#, names.rate),
            eval_minutes,
            samples: vec![
                (
                    recorded_with(
                        &names.rate,
                        "/orders",
                        &[("method", "GET"), ("status", "200")],
                    ),
                    (total - failing) as f64,
                ),
                (
                    recorded_with(
                        &names.rate,
                        "/orders",
                        &[("method", "GET"), ("status", "500")],
                    ),
                    (failing - unavailable) as f64,
                ),
                (
                    recorded_with(
                        &names.rate,
                        "/orders",
                        &[("method", "GET"), ("status", "503")],
                    ),
                    unavailable as f64,
                ),
            ],
        },
        ExprCheck {
            expr: names.errors_ratio.clone(),
            eval_minutes,
            samples: vec![
                (recorded(&names.errors_ratio, "/health"), 0.0),
                (
                    recorded(&names.errors_ratio, "/orders"),
                    traffic.ratio(failing),
                ),
                (recorded(&names.errors_ratio, "/reports"), 0.0),
                (
                    recorded(&names.errors_ratio, "/users/{id}"),
                    traffic.ratio(healthy),
                ),
            ],
        },
        ExprCheck {
            expr: format!(r#"{}{{handler!="/reports"}}"#, names.p99),
            eval_minutes,
            samples: vec![
                (recorded(&names.p99, "/orders"), latency.slow_p99),
                (recorded(&names.p99, "/users/{id}"), latency.fast_p99),
            ],
        },
    ];
    UnitTest {
        name: "HTTP: /orders fails and is slow, /users/{id} is healthy despite 404s, /health has no 5xx series, /reports is idle".to_owned(),
        series: input,
        alerts,
        exprs,
    }
}

//! `http.json`: the dashboard of the services measured by `HttpMetricsLayer`.

use serde_json::Value;

use crate::grafana::{
    INSTANCE_VARIABLE, LabelVariable, Query, RATE_INTERVAL, at, dashboard, datasource_variable,
    filters, label_variables, percentiles, range, timeseries, traces_variable,
};
use crate::options::Options;
use crate::promql::{FAILED_STATUSES, and, histogram_quantile, rate, selector, zero_safe_ratio};
use instrument_metrics_names::http;

/// The variables in the order each narrows the next.
const VARIABLES: [LabelVariable; 4] = [
    LabelVariable {
        name: "job",
        title: "Job",
        description: "Scrape jobs serving HTTP through HttpMetricsLayer.",
    },
    INSTANCE_VARIABLE,
    LabelVariable {
        name: "handler",
        title: "Route",
        description: "Route templates (/users/{id}); none is every unmatched request.",
    },
    LabelVariable {
        name: "method",
        title: "Method",
        description: "HTTP methods (other for non-standard ones).",
    },
];

pub fn http_dashboard(options: &Options) -> Value {
    let requests = options.name(http::REQUESTS);
    let bucket = options.name("http_request_duration_seconds_bucket");
    let in_progress = options.name(http::IN_PROGRESS);
    let filters = filters(&VARIABLES);
    let failed_filters = and(&filters, &format!(r#"status=~"{FAILED_STATUSES}""#));
    let quantile =
        |q: &str| histogram_quantile(q, "handler", &rate(&bucket, &filters, RATE_INTERVAL));
    let ratio_text = options.error_ratio_percent();
    let p99_text = format!("{}s", options.p99_seconds);
    let size_description = "Mean body size from the summary's _sum and _count, exact across instances (the summaries carry no quantiles: those could not be summed over instances). A route with no requests in the window has no mean (a gap).";

    let panels = vec![
        timeseries(
            "Request rate",
            "Requests per second by route template, method and status, summed over the selected instances. handler=\"none\" is every request no route matched.",
            "reqps",
            None,
            at(0, 0, 12, 8),
            vec![range(
                format!(
                    "sum by (handler, method, status) ({})",
                    rate(&requests, &filters, RATE_INTERVAL)
                ),
                "{{method}} {{handler}} {{status}}",
            )],
        ),
        timeseries(
            "5xx ratio",
            &format!(
                "Share of requests answered with a 5xx status, per route. An idle route shows 0, not a gap. The dashed line is the alert threshold ({ratio_text})."
            ),
            "percentunit",
            Some(options.error_ratio),
            at(12, 0, 12, 8),
            vec![range(
                zero_safe_ratio(
                    "handler",
                    &rate(&requests, &failed_filters, RATE_INTERVAL),
                    &rate(&requests, &filters, RATE_INTERVAL),
                ),
                "{{handler}}",
            )],
        ),
        timeseries(
            "Latency percentiles",
            &format!(
                "p50, p95 and p99 of request durations (until the response body was sent), interpolated from the histogram buckets (0.05 0.1 0.3 1 3 5 s). The dashed line is the p99 alert threshold ({p99_text})."
            ),
            "s",
            Some(options.p99_seconds),
            at(0, 8, 12, 8),
            percentiles(quantile, "{{handler}}"),
        ),
        timeseries(
            "In progress",
            "Requests being served right now, summed over the selected instances.",
            "short",
            None,
            at(12, 8, 12, 8),
            vec![range(
                format!(
                    "sum by (handler, method) ({})",
                    selector(&in_progress, &filters)
                ),
                "{{method}} {{handler}}",
            )],
        ),
        timeseries(
            "Response size",
            size_description,
            "bytes",
            None,
            at(0, 16, 12, 8),
            size_queries(options, http::RESPONSE_SIZE),
        ),
        timeseries(
            "Request size",
            size_description,
            "bytes",
            None,
            at(12, 16, 12, 8),
            size_queries(options, http::REQUEST_SIZE),
        ),
    ];
    let mut variables = vec![datasource_variable(), traces_variable()];
    variables.extend(label_variables(&requests, &VARIABLES));
    dashboard(
        options,
        "instrument-metrics-http",
        "HTTP requests",
        "Requests, 5xx ratio, latency, concurrency and body sizes of services measured by instrument_metrics::http::HttpMetricsLayer.",
        variables,
        panels,
    )
}

/// The mean body size over all instances of the summary `base`.
fn size_queries(options: &Options, base: &str) -> Vec<Query> {
    // The size summaries are labelled by handler only.
    let filters = filters(&VARIABLES[..3]);
    let summary = options.name(base);
    vec![range(
        format!(
            "sum by (handler) ({}) / sum by (handler) ({})",
            rate(&format!("{summary}_sum"), &filters, RATE_INTERVAL),
            rate(&format!("{summary}_count"), &filters, RATE_INTERVAL)
        ),
        "mean {{handler}}",
    )]
}

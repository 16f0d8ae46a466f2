//! `functions.json`: the dashboard of the functions instrumented with `#[instrument_metrics]`,
//! one family at a time.

use serde_json::{Value, json};

use crate::grafana::{
    INSTANCE_VARIABLE, LabelVariable, RATE_INTERVAL, WHOLE_RANGE, at, dashboard, datasource,
    datasource_variable, filters, instant, label_variables, percentiles, range, stat, table,
    timeseries, traces_variable,
};
use crate::options::Options;
use crate::promql::{FAILED_RESULTS, and, histogram_quantile, rate, selector, zero_safe_ratio};

/// The variables after the family, in the order each narrows the next.
const VARIABLES: [LabelVariable; 4] = [
    LabelVariable {
        name: "job",
        title: "Job",
        description: "Scrape jobs exporting the family.",
    },
    INSTANCE_VARIABLE,
    LabelVariable {
        name: "module",
        title: "Module",
        description: "module_path!() of the instrumented code.",
    },
    LabelVariable {
        name: "function",
        title: "Function",
        description: "Instrumented functions of the selected modules (methods are Type::method).",
    },
];

pub fn functions_dashboard(options: &Options) -> Value {
    // `${family}` is a variable: the same panels show `function_calls` or any family named with
    // `#[instrument_metrics(name = "...")]`.
    let family = options.name("${family}");
    let total = format!("{family}_total");
    let bucket = format!("{family}_duration_seconds_bucket");
    let in_flight = format!("{family}_in_flight");
    let filters = filters(&VARIABLES);
    let failed_filters = and(&filters, &format!(r#"result=~"{FAILED_RESULTS}""#));
    let error_ratio = |window: &str| {
        zero_safe_ratio(
            "module, function",
            &rate(&total, &failed_filters, window),
            &rate(&total, &filters, window),
        )
    };
    let quantile = |q: &str, window: &str| {
        histogram_quantile(q, "module, function", &rate(&bucket, &filters, window))
    };
    let ratio_text = options.error_ratio_percent();
    let p99_text = format!("{}s", options.p99_seconds);

    let panels = vec![
        timeseries(
            "Call rate",
            "Calls per second of each instrumented function, by result (ok, error, panic, cancelled), summed over the selected jobs and instances.",
            "ops",
            None,
            at(0, 0, 12, 8),
            vec![range(
                format!(
                    "sum by (module, function, result) ({})",
                    rate(&total, &filters, RATE_INTERVAL)
                ),
                "{{module}}::{{function}} {{result}}",
            )],
        ),
        timeseries(
            "Error ratio",
            &format!(
                "Share of calls that returned an error or panicked (cancelled calls are not failures). An idle function shows 0, not a gap: see the guide, instrument_metrics::guide::dashboards. The dashed line is the alert threshold ({ratio_text})."
            ),
            "percentunit",
            Some(options.error_ratio),
            at(12, 0, 12, 8),
            vec![range(
                error_ratio(RATE_INTERVAL),
                "{{module}}::{{function}}",
            )],
        ),
        timeseries(
            "Latency percentiles",
            &format!(
                "p50, p95 and p99 of call durations, interpolated from the histogram buckets. A function with no calls in the window has no percentile (a gap). The dashed line is the p99 alert threshold ({p99_text})."
            ),
            "s",
            Some(options.p99_seconds),
            at(0, 8, 12, 8),
            percentiles(|q| quantile(q, RATE_INTERVAL), "{{module}}::{{function}}"),
        ),
        timeseries(
            "In flight",
            "Calls running right now, summed over the selected instances (functions with in_flight = false have none).",
            "short",
            None,
            at(12, 8, 12, 8),
            vec![range(
                format!(
                    "sum by (module, function) ({})",
                    selector(&in_flight, &filters)
                ),
                "{{module}}::{{function}}",
            )],
        ),
        table(
            "Slowest functions (p99 over the dashboard's time range, top 10)",
            "The ten functions with the highest 99th percentile latency over the whole selected time range.",
            "s",
            Some(options.p99_seconds),
            "p99",
            at(0, 16, 12, 8),
            instant(format!("topk(10, {})", quantile("0.99", WHOLE_RANGE)), ""),
        ),
        table(
            "Most failing functions (error ratio over the dashboard's time range, top 10)",
            "The ten functions with the highest share of failed calls (error or panic) over the whole selected time range; idle ones count as 0.",
            "percentunit",
            Some(options.error_ratio),
            "error ratio",
            at(12, 16, 12, 8),
            instant(format!("topk(10, {})", error_ratio(WHOLE_RANGE)), ""),
        ),
        stat(
            "Scrape targets up",
            "Targets of the selected jobs that Prometheus scraped successfully at its last attempt, out of all of them (the `up` series Prometheus records).",
            at(0, 24, 24, 4),
            vec![
                instant(
                    r#"sum by (job) (up{job=~"$job", instance=~"$instance"})"#.to_owned(),
                    "{{job}} up",
                ),
                instant(
                    r#"count by (job) (up{job=~"$job", instance=~"$instance"})"#.to_owned(),
                    "{{job}} targets",
                ),
            ],
        ),
    ];

    let mut variables = vec![
        datasource_variable(),
        traces_variable(),
        family_variable(options),
    ];
    variables.extend(label_variables(&total, &VARIABLES));
    dashboard(
        options,
        "instrument-metrics-functions",
        "Instrumented functions",
        "Calls, failures, latency and concurrency of functions instrumented with #[instrument_metrics].",
        variables,
        panels,
    )
}

/// The family the panels show, the first `--family` by default.
fn family_variable(options: &Options) -> Value {
    let family_default = &options.families[0];
    let definition = format!(
        r#"label_values({{__name__=~"{}.+_total", function!=""}}, __name__)"#,
        options.prefix
    );
    json!({
        "name": "family",
        "label": "Family",
        "description": "The function family: function_calls, or a name given with #[instrument_metrics(name = \"...\")]. Listed from the series that carry a function label.",
        "type": "query",
        "datasource": datasource(),
        "definition": definition,
        "query": definition,
        "regex": format!("/^{}(.+)_total$/", options.prefix),
        "current": { "selected": true, "text": family_default, "value": family_default },
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "options": [],
        "refresh": 2,
        "sort": 1
    })
}

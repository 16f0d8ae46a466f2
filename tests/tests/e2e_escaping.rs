//! Label values with quotes, backslashes (alone and before a quote), a newline and non-ASCII text
//! survive the exposition format: our rendered output is read back by two independent parsers,
//! `promtool check metrics` (Go) and the Python `prometheus-client` parser, and the label value
//! each of them reads must equal the original exactly.
//!
//! `METRICS_CUSTOM_LABELS` is split on commas, so the value comes from `Builder::custom_label`,
//! which takes any string. Custom labels go on every series, which covers both renderers: our own
//! (the `function_calls_*` families) and metrics-exporter-prometheus (`build_info`, `process_*`),
//! whose own escaper takes an existing `\"` or `\\` as already escaped.
//!
//! Needs `promtool` (Debian's `prometheus`) and `python3` with `prometheus-client`, so it is
//! ignored by default; `scripts/test` installs both and runs it with `--include-ignored`.

mod support;

use std::collections::BTreeSet;

use instrument_metrics::instrument_metrics;
use support::exposition;
use support::tools::{promtool_check, python_parse};

/// Every character the text format escapes, a backslash that is not before a quote, one that
/// is (the case the exporter's escaper gets wrong), and text outside ASCII.
const NOTE: &str = "quote\" backslash\\ both\\\" newline\n ü 日本";

#[derive(Debug)]
struct Failed;

#[instrument_metrics]
fn succeeds() -> Result<(), Failed> {
    Ok(())
}

#[instrument_metrics]
fn fails() -> Result<(), Failed> {
    Err(Failed)
}

#[test]
#[ignore = "needs promtool and python3 with prometheus-client; run by scripts/test"]
fn custom_label_values_survive_promtool_and_prometheus_client() {
    let exporter = instrument_metrics::Builder::new()
        .without_listener()
        .custom_label("note", NOTE)
        .build_info(instrument_metrics::build_info!())
        .install()
        .unwrap_or_else(|error| panic!("install: {error}"));
    succeeds().ok();
    fails().ok();
    let text = exporter.render();

    if let Err(findings) = promtool_check(&text) {
        panic!("{findings}\n--- the rendered text ---\n{text}");
    }

    let samples = python_parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    let wrong: Vec<String> = samples
        .iter()
        .filter(|sample| sample.labels.get("note").map(String::as_str) != Some(NOTE))
        .map(|sample| format!("{} {:?}", sample.name, sample.labels.get("note")))
        .collect();
    assert!(
        wrong.is_empty(),
        "prometheus-client read a different `note` on {} samples, expected {NOTE:?}:\n{}\n--- the rendered text ---\n{text}",
        wrong.len(),
        wrong.join("\n")
    );
    // The check above holds trivially for families that are missing: every one we render must
    // have been read.
    let names: BTreeSet<&str> = samples.iter().map(|sample| sample.name.as_str()).collect();
    for name in [
        "function_calls_total",
        "function_calls_in_flight",
        "function_calls_duration_seconds_bucket",
        "function_calls_duration_seconds_sum",
        "function_calls_duration_seconds_count",
        "build_info",
    ] {
        assert!(
            names.contains(name),
            "prometheus-client read no {name} sample; it read {names:?}\n{text}"
        );
    }
    // The other labels of those samples are intact too.
    let calls = |function: &str, result: &str| {
        samples
            .iter()
            .filter(|sample| sample.name == "function_calls_total")
            .filter(|sample| {
                sample.labels.get("function").map(String::as_str) == Some(function)
                    && sample.labels.get("result").map(String::as_str) == Some(result)
            })
            .map(|sample| sample.value)
            .sum::<f64>()
    };
    assert_eq!(calls("succeeds", "ok"), 1.0, "{text}");
    assert_eq!(calls("fails", "error"), 1.0, "{text}");
    let build_info = samples
        .iter()
        .find(|sample| sample.name == "build_info")
        .unwrap_or_else(|| panic!("no build_info\n{text}"));
    assert_eq!(
        build_info.labels.get("name").map(String::as_str),
        Some(env!("CARGO_PKG_NAME")),
        "{build_info:?}"
    );

    // The suite's own parser agrees (it is what the other end-to-end tests assert with).
    let ours = exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert_eq!(ours.len(), samples.len(), "{text}");
    assert!(
        ours.iter().all(|sample| sample.label("note") == NOTE),
        "{text}"
    );
}

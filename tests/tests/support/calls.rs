//! The three families `#[instrument_metrics]` records for one function under the default
//! `function_calls` base name (calls by result, durations, in-flight), read from the rendered
//! exposition or from a debugging recorder.

use super::exposition::expect_value;
use super::recorded::{Recorded, RecordedValue};

/// What the three families say about one function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calls {
    pub ok: f64,
    pub error: f64,
    pub panic: f64,
    pub cancelled: f64,
    /// `function_calls_duration_seconds_count`
    pub timed: f64,
    /// `function_calls_in_flight`
    pub in_flight: f64,
}

impl Calls {
    /// `ok` successful calls, `error` failed ones, everything else zero, all of them timed.
    pub fn finished(ok: u32, error: u32, panic: u32, cancelled: u32) -> Calls {
        Calls {
            ok: ok.into(),
            error: error.into(),
            panic: panic.into(),
            cancelled: cancelled.into(),
            timed: (ok + error + panic + cancelled).into(),
            in_flight: 0.0,
        }
    }
}

/// Reads the families of the default `function_calls` base name for one function.
pub fn calls(text: &str, function: &str, module: &str) -> Calls {
    let result = |result: &str| {
        expect_value(
            text,
            "function_calls_total",
            &[
                ("function", function),
                ("module", module),
                ("result", result),
            ],
        )
    };
    let series = [("function", function), ("module", module)];
    Calls {
        ok: result("ok"),
        error: result("error"),
        panic: result("panic"),
        cancelled: result("cancelled"),
        timed: expect_value(text, "function_calls_duration_seconds_count", &series),
        in_flight: expect_value(text, "function_calls_in_flight", &series),
    }
}

/// `function_calls_duration_seconds_sum` of one function.
pub fn duration_sum(text: &str, function: &str, module: &str) -> f64 {
    expect_value(
        text,
        "function_calls_duration_seconds_sum",
        &[("function", function), ("module", module)],
    )
}

/// What a debugging recorder saw of one function, in the shape of [`Calls`]; series it never saw
/// count as zero.
pub fn recorded_calls(recorded: &[Recorded], function: &str, module: &str) -> Calls {
    let of_function = |entry: &&Recorded| {
        entry.labels.get("function").map(String::as_str) == Some(function)
            && entry.labels.get("module").map(String::as_str) == Some(module)
    };
    let mut calls = Calls::finished(0, 0, 0, 0);
    for entry in recorded.iter().filter(of_function) {
        match (entry.name.as_str(), &entry.value) {
            ("function_calls_total", RecordedValue::Counter(count)) => {
                let count = *count as f64;
                match entry.labels.get("result").map(String::as_str) {
                    Some("ok") => calls.ok += count,
                    Some("error") => calls.error += count,
                    Some("panic") => calls.panic += count,
                    Some("cancelled") => calls.cancelled += count,
                    other => panic!("unexpected result label {other:?} in {entry:?}"),
                }
            }
            ("function_calls_duration_seconds", RecordedValue::Histogram(values)) => {
                calls.timed += values.len() as f64;
            }
            ("function_calls_in_flight", RecordedValue::Gauge(value)) => calls.in_flight += value,
            _ => panic!("unexpected metric {entry:?}"),
        }
    }
    calls
}

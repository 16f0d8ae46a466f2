//! Helpers shared by the integration tests: reading values out of the Prometheus text exposition,
//! out of a `DebuggingRecorder` snapshot, and speaking just enough HTTP to scrape `/metrics`.
//!
//! Each test binary compiles this module and uses a part of it.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use metrics_util::debugging::{DebugValue, Snapshot};
use metrics_util::{CompositeKey, MetricKind};

/// One sample line of the exposition: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Parses every sample line; comments (`# HELP`, `# TYPE`) and blank lines are skipped.
///
/// Panics on a line that is not valid exposition, so a malformed output fails the test.
pub fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            parse_sample(line).unwrap_or_else(|| panic!("not an exposition sample line: {line:?}"))
        })
        .collect()
}

fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(mut inside) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inside.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, after_key) = inside.split_once("=\"")?;
            let mut value = String::new();
            let mut chars = after_key.char_indices();
            let end = loop {
                match chars.next()? {
                    (index, '"') => break index,
                    (_, '\\') => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        _ => return None,
                    },
                    (_, other) => value.push(other),
                }
            };
            if labels.insert(key.to_owned(), value).is_some() {
                return None;
            }
            inside = &after_key[end + 1..];
            inside = inside.strip_prefix(',').unwrap_or(inside);
        }
    }
    let mut fields = rest.split_whitespace();
    let value = match fields.next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// The value of the one sample named `name` whose label set is exactly `labels`.
pub fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    let mut found = samples(text)
        .into_iter()
        .filter(|sample| sample.name == name && sample.labels == wanted);
    let first = found.next()?;
    assert!(
        found.next().is_none(),
        "two samples {name}{wanted:?} in:\n{text}"
    );
    Some(first.value)
}

/// Like [`value`], but a missing sample fails the test with the whole exposition shown.
pub fn expect_value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    value(text, name, labels).unwrap_or_else(|| panic!("no sample {name}{labels:?} in:\n{text}"))
}

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

/// A response to a request made by [`http`].
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Sends one HTTP/1.1 request over a plain TCP connection and reads the response until the
/// server closes the connection.
pub fn http(addr: SocketAddr, method: &str, path: &str) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|error| panic!("cannot connect to {addr}: {error}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|error| panic!("reading the response from {addr}: {error}"));
    let raw = String::from_utf8(raw).expect("the response is UTF-8");
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {raw:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// `GET /metrics`, asserting it succeeds; returns the exposition.
pub fn scrape(addr: SocketAddr) -> String {
    let response = http(addr, "GET", "/metrics");
    assert_eq!(response.status, 200, "GET /metrics: {response:?}");
    response.body
}

/// How many threads of this process have a name starting with `prefix`. Linux truncates thread
/// names to 15 bytes, so pass at most that.
pub fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task is readable")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end().starts_with(prefix))
        .count()
}

/// The threads the runtime starts are all named `instrument-metrics-*`, which Linux shows
/// truncated to this.
pub const RUNTIME_THREADS: &str = "instrument-metr";

/// Polls `condition` for up to five seconds; threads that were told to stop take a moment to go.
pub fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

/// One entry of a debugging-recorder snapshot.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub kind: MetricKind,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub description: Option<String>,
    pub value: RecordedValue,
}

/// The value of a [`Recorded`] metric.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedValue {
    Counter(u64),
    Gauge(f64),
    Histogram(Vec<f64>),
}

/// Flattens a snapshot. Taking a snapshot resets the recorder's values, so take one per check.
pub fn recorded(snapshot: Snapshot) -> Vec<Recorded> {
    snapshot
        .into_vec()
        .into_iter()
        .map(
            |(key, _unit, description, value): (CompositeKey, _, _, DebugValue)| {
                let labels = key
                    .key()
                    .labels()
                    .map(|label| (label.key().to_owned(), label.value().to_owned()))
                    .collect();
                Recorded {
                    kind: key.kind(),
                    name: key.key().name().to_owned(),
                    labels,
                    description: description.map(|text| text.to_string()),
                    value: match value {
                        DebugValue::Counter(count) => RecordedValue::Counter(count),
                        DebugValue::Gauge(gauge) => RecordedValue::Gauge(gauge.into_inner()),
                        DebugValue::Histogram(values) => RecordedValue::Histogram(
                            values.into_iter().map(|value| value.into_inner()).collect(),
                        ),
                    },
                }
            },
        )
        .collect()
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

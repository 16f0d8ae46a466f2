//! Writes the Grafana dashboards, the Prometheus recording and alert rules, and the `promtool`
//! unit tests of those rules, for the metric names an installation exports.
//!
//! ```text
//! cargo run -p instrument-metrics-examples --bin dashboards                      # rewrites dashboards/
//! cargo run -p instrument-metrics-examples --bin dashboards -- --namespace acme --out /tmp/acme
//! ```
//!
//! The files in the repository's `dashboards/` directory are this program's output without
//! options (a test keeps them in sync). Options:
//!
//! | option | meaning | default |
//! |---|---|---|
//! | `--namespace NS`, `--subsystem SUB` | the `METRICS_NAMESPACE` / `METRICS_SUBSYSTEM` of the services: every name gets `NS_SUB_` | none |
//! | `--family NAME` (repeatable) | function families to write rules and tests for (`#[instrument_metrics(name = "...")]`); the first is the dashboard's default | `function_calls` |
//! | `--error-ratio R` | alert when more than this share of calls (requests) fail | `0.01` |
//! | `--p99-seconds S` | alert when the 99th percentile latency is above this | `1` |
//! | `--for D` | how long a condition must hold before its alert fires (Prometheus duration) | `5m` |
//! | `--jobs A,B` | scrape jobs `InstanceDown` watches | every job (`up == 0`) |
//! | `--keep-labels A,B` | labels the recording rules keep besides `job` (custom or target labels such as `environment`) | none |
//! | `--out DIR` | where to write | the repository's `dashboards/` |
//!
//! What it writes:
//!
//! - `functions.json`, `http.json`: Grafana dashboards (schema 39, Grafana 10 and later) with a
//!   Prometheus `datasource` variable, so one file serves every environment.
//! - `recording_rules.yml`: per-function and per-route rates, error ratios and p99 latency over
//!   5 minutes, fleet-wide per job.
//! - `alert_rules.yml`: error ratio and p99 latency above the thresholds, and scrape targets
//!   down, each for `--for`. The alerts read the recorded series: load both files.
//! - `tests/*.yml`: `promtool test rules` unit tests showing every alert firing and staying
//!   quiet on crafted series, and the recording rules' values (exactly, as floats).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};

const USAGE: &str = "\
usage: dashboards [--namespace NS] [--subsystem SUB] [--family NAME]... [--error-ratio R]
                  [--p99-seconds S] [--for DURATION] [--jobs JOB,JOB...]
                  [--keep-labels LABEL,LABEL...] [--out DIR]

Writes functions.json, http.json, recording_rules.yml, alert_rules.yml and tests/*.yml.
Without --out it rewrites the repository's dashboards/ directory.";

/// The function family every `#[instrument_metrics]` without `name = ...` records into.
const DEFAULT_FAMILY: &str = "function_calls";

/// Results that count as a failed call: the function returned `Err`, or its body panicked.
/// `cancelled` (a future dropped before it finished, e.g. a client that went away or a timeout
/// elsewhere) is not the function's failure, so it is left out of error ratios.
const FAILED_RESULTS: &str = "error|panic";

/// The window of the recorded rates, and of the alerts built on them.
const RULE_WINDOW: &str = "5m";

/// Stands in for zero in a denominator so that an idle function's ratio is 0/1e-9 = 0, not
/// 0/0 = NaN. A called function's rate over any window is far above it (one call in an hour is
/// 2.8e-4/s), so it never changes a real ratio.
const TINY_RATE: &str = "1e-9";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("dashboards: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match write_all(&options) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("dashboards: {error}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
    /// `namespace_subsystem_`, or empty: what the exporter puts before every family name.
    prefix: String,
    families: Vec<String>,
    error_ratio: f64,
    p99_seconds: f64,
    /// As given (`5m`), and in seconds.
    for_duration: String,
    for_seconds: u64,
    jobs: Vec<String>,
    /// Labels the recording rules keep besides `job` (METRICS_CUSTOM_LABELS such as
    /// `environment`, target labels such as `region`), so federated and remote-written series
    /// stay apart.
    keep: Vec<String>,
    out: PathBuf,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut namespace = None;
        let mut subsystem = None;
        let mut families = Vec::new();
        let mut error_ratio = 0.01;
        let mut p99_seconds = 1.0;
        let mut for_duration = "5m".to_owned();
        let mut jobs = Vec::new();
        let mut keep = Vec::new();
        let mut out = None;
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| rest.next().cloned())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag {
                "--namespace" => namespace = Some(name_part("--namespace", &value()?)?),
                "--subsystem" => subsystem = Some(name_part("--subsystem", &value()?)?),
                "--family" => families.push(family_name(&value()?)?),
                "--error-ratio" => {
                    error_ratio = number("--error-ratio", &value()?, |ratio| {
                        ratio > 0.0 && ratio < 1.0
                    })?
                }
                "--p99-seconds" => {
                    p99_seconds = number("--p99-seconds", &value()?, |seconds| {
                        seconds > 0.0 && seconds < 1e6
                    })?
                }
                "--for" => for_duration = value()?,
                "--jobs" => {
                    jobs = value()?
                        .split(',')
                        .map(str::trim)
                        .filter(|job| !job.is_empty())
                        .map(str::to_owned)
                        .collect()
                }
                "--keep-labels" => {
                    keep = value()?
                        .split(',')
                        .map(str::trim)
                        .filter(|label| !label.is_empty())
                        .map(label_name)
                        .collect::<Result<_, _>>()?
                }
                "--out" => out = Some(PathBuf::from(value()?)),
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        let for_seconds = duration_seconds(&for_duration)?;
        if families.is_empty() {
            families.push(DEFAULT_FAMILY.to_owned());
        }
        let mut seen = Vec::new();
        families.retain(|family| {
            let first = !seen.contains(family);
            seen.push(family.clone());
            first
        });
        Ok(Options {
            prefix: namespace
                .iter()
                .chain(&subsystem)
                .map(|part| format!("{part}_"))
                .collect(),
            families,
            error_ratio,
            p99_seconds,
            for_duration,
            for_seconds,
            jobs,
            keep,
            out: out.unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join("dashboards")
            }),
        })
    }

    /// A family or metric name as the services export it: `acme_function_calls`.
    fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }

    /// The labels a recording rule sums `by`: `job`, the kept labels, then `rest`.
    fn by(&self, rest: &str) -> String {
        std::iter::once("job")
            .chain(self.keep.iter().map(String::as_str))
            .chain([rest])
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The namespace and subsystem as they appear in titles and dashboard uids: `acme_shop`.
    fn scope(&self) -> Option<&str> {
        Some(self.prefix.trim_end_matches('_')).filter(|scope| !scope.is_empty())
    }
}

/// Mirrors the runtime's rule for `METRICS_NAMESPACE` and `METRICS_SUBSYSTEM`.
fn name_part(flag: &str, value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    let valid = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|rest| rest.is_ascii_alphanumeric() || rest == '_')
        && !value.starts_with("__");
    if valid {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{flag} {value:?}: expected letters, digits and underscores, not starting with a digit or `__`"
        ))
    }
}

/// A label a recording rule may keep: not one it already groups by, nor one that would undo
/// the aggregation.
fn label_name(value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    let valid = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|rest| rest.is_ascii_alphanumeric() || rest == '_')
        && !value.starts_with("__");
    let taken = [
        "job", "instance", "module", "function", "result", "error", "le", "quantile", "handler",
        "method", "status",
    ];
    if !valid || taken.contains(&value) {
        Err(format!(
            "--keep-labels {value:?}: expected a label name other than {}",
            taken.join(", ")
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// Mirrors the attribute's rule for `name = "..."`.
fn family_name(value: &str) -> Result<String, String> {
    name_part("--family", value)?;
    match [
        "_total",
        "_count",
        "_sum",
        "_bucket",
        "_seconds",
        "_in_flight",
    ]
    .iter()
    .find(|suffix| value.ends_with(*suffix))
    {
        Some(suffix) => Err(format!(
            "--family {value:?}: a family name does not end in {suffix} (the exporter appends the suffixes)"
        )),
        None => Ok(value.to_owned()),
    }
}

fn number(flag: &str, value: &str, valid: impl Fn(f64) -> bool) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(number) if number.is_finite() && valid(number) => Ok(number),
        _ => Err(format!(
            "{flag} {value:?}: expected a number in range (--error-ratio between 0 and 1, --p99-seconds above 0)"
        )),
    }
}

/// A Prometheus duration (`90s`, `5m`, `1h30m`) in whole seconds.
fn duration_seconds(value: &str) -> Result<u64, String> {
    let invalid = || {
        format!(
            "--for {value:?}: expected a Prometheus duration of whole seconds, such as 30s, 5m or 1h30m"
        )
    };
    let mut total = 0_u64;
    let mut rest = value.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        let amount: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total = amount
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
    }
    Ok(total)
}

// ---------------------------------------------------------------------------------------------
// Output

fn write_all(options: &Options) -> Result<Vec<PathBuf>, String> {
    let files = [
        ("functions.json", json_text(&functions_dashboard(options))?),
        ("http.json", json_text(&http_dashboard(options))?),
        (
            "recording_rules.yml",
            rule_file(
                options,
                "Recording rules: the expensive expressions, evaluated once per interval. \
                 The alert rules read these series; load both files.",
                &recording_groups(options),
            ),
        ),
        (
            "alert_rules.yml",
            rule_file(
                options,
                "Alert rules. They read the series of recording_rules.yml: load both files.",
                &alert_groups(options),
            ),
        ),
        (
            "tests/functions_test.yml",
            unit_test_file(
                options,
                "Function families: error ratio and p99 alerts firing and quiet, recorded values.",
                &function_tests(options),
            ),
        ),
        (
            "tests/http_test.yml",
            unit_test_file(
                options,
                "HTTP routes: 5xx ratio and p99 alerts firing and quiet, recorded values.",
                &[http_test(options)],
            ),
        ),
        (
            "tests/instances_test.yml",
            unit_test_file(
                options,
                "Scrape targets: InstanceDown firing and quiet.",
                &[instances_test(options)],
            ),
        ),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = options.out.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn json_text(value: &Value) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|error| format!("cannot serialize a dashboard: {error}"))
}

/// The command that writes a file with these options, for its header.
fn command_line(options: &Options) -> String {
    let mut command = "cargo run -p instrument-metrics-examples --bin dashboards --".to_owned();
    if let Some(scope) = options.scope() {
        command.push_str(&format!(" --namespace {scope}"));
    }
    if options.families != [DEFAULT_FAMILY] {
        for family in &options.families {
            command.push_str(&format!(" --family {family}"));
        }
    }
    command.push_str(&format!(
        " --error-ratio {} --p99-seconds {} --for {}",
        options.error_ratio, options.p99_seconds, options.for_duration
    ));
    if !options.jobs.is_empty() {
        command.push_str(&format!(" --jobs {}", options.jobs.join(",")));
    }
    if !options.keep.is_empty() {
        command.push_str(&format!(" --keep-labels {}", options.keep.join(",")));
    }
    command
}

// ---------------------------------------------------------------------------------------------
// PromQL

/// `(failed or all * 0) / clamp_min(all, 1e-9)`, each side summed `by`.
///
/// Both usual forms go wrong for an idle or never-failing function: `failed / all` is 0/0 = NaN
/// when nothing was called, and when no series of a failing result exists at all (a function
/// that returns no `Result` records only `ok`; HTTP routes have no 5xx series until one fails)
/// the division matches nothing and the panel says "No data". Here `or all * 0` supplies a 0
/// numerator for every group that has calls series but no failed ones, and `clamp_min` turns a
/// zero denominator into 1e-9, so an idle group is 0 / 1e-9 = 0. Failed calls are a subset of
/// all calls, so the numerator is 0 whenever the denominator is.
fn zero_safe_ratio(by: &str, failed: &str, all: &str) -> String {
    format!(
        "(\n  sum by ({by}) ({failed})\n  or\n  sum by ({by}) ({all}) * 0\n)\n/\nclamp_min(sum by ({by}) ({all}), {TINY_RATE})"
    )
}

/// `metric{matchers}`, leaving out the braces when there are none.
fn selector(metric: &str, matchers: &[&str]) -> String {
    if matchers.is_empty() {
        metric.to_owned()
    } else {
        format!("{metric}{{{}}}", matchers.join(", "))
    }
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        if ".^$*+?()[]{}|\\".contains(c) {
            // One backslash for the regex, doubled for the PromQL string.
            escaped.push_str("\\\\");
        }
        escaped.push(c);
    }
    escaped
}

/// Recorded series names, `level:metric:operations` as Prometheus recommends.
struct Recorded {
    rate: String,
    errors_ratio: String,
    bucket_rate: String,
    p99: String,
}

impl Recorded {
    fn function(options: &Options, family: &str) -> Recorded {
        let full = options.name(family);
        Recorded {
            rate: format!("function:{full}:rate{RULE_WINDOW}"),
            errors_ratio: format!("function:{full}_errors:ratio_rate{RULE_WINDOW}"),
            bucket_rate: format!("function:{full}_duration_seconds_bucket:rate{RULE_WINDOW}"),
            p99: format!("function:{full}_duration_seconds:p99_rate{RULE_WINDOW}"),
        }
    }

    fn http(options: &Options) -> Recorded {
        let requests = options.name("http_requests");
        let duration = options.name("http_request_duration_seconds");
        Recorded {
            rate: format!("handler:{requests}:rate{RULE_WINDOW}"),
            errors_ratio: format!("handler:{requests}_5xx:ratio_rate{RULE_WINDOW}"),
            bucket_rate: format!("handler:{duration}_bucket:rate{RULE_WINDOW}"),
            p99: format!("handler:{duration}:p99_rate{RULE_WINDOW}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Grafana

const DATASOURCE: &str = "${datasource}";

fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": DATASOURCE })
}

/// A query of a panel: a range query drawn over time, or an instant query for tables and stats.
struct Query {
    expr: String,
    legend: String,
    instant: bool,
}

fn range(expr: String, legend: &str) -> Query {
    Query {
        expr,
        legend: legend.to_owned(),
        instant: false,
    }
}

fn instant(expr: String, legend: &str) -> Query {
    Query {
        expr,
        legend: legend.to_owned(),
        instant: true,
    }
}

fn targets(queries: Vec<Query>) -> Value {
    let targets: Vec<Value> = queries
        .into_iter()
        .enumerate()
        .map(|(index, query)| {
            let ref_id = char::from(b'A' + u8::try_from(index).unwrap_or(25).min(25));
            let mut target = json!({
                "datasource": datasource(),
                "editorMode": "code",
                "expr": query.expr,
                "legendFormat": query.legend,
                "range": !query.instant,
                "instant": query.instant,
                "refId": ref_id.to_string(),
            });
            if query.instant {
                target["format"] = json!("table");
            }
            target
        })
        .collect();
    Value::Array(targets)
}

/// Where a panel goes on the 24-column grid.
#[derive(Clone, Copy)]
struct At {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

fn at(x: u32, y: u32, w: u32, h: u32) -> At {
    At { x, y, w, h }
}

fn grid(at: At) -> Value {
    json!({ "h": at.h, "w": at.w, "x": at.x, "y": at.y })
}

/// A red dashed line at an alert's threshold, when there is one.
fn thresholds(threshold: Option<f64>) -> Value {
    let mut steps = vec![json!({ "color": "green", "value": null })];
    if let Some(threshold) = threshold {
        steps.push(json!({ "color": "red", "value": threshold }));
    }
    json!({ "mode": "absolute", "steps": steps })
}

fn timeseries(
    title: &str,
    description: &str,
    unit: &str,
    threshold: Option<f64>,
    at: At,
    queries: Vec<Query>,
) -> Value {
    json!({
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": datasource(),
        "gridPos": grid(at),
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "min": 0,
                "custom": {
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": 10,
                    "showPoints": "never",
                    "spanNulls": false,
                    "thresholdsStyle": { "mode": if threshold.is_some() { "dashed" } else { "off" } }
                },
                "thresholds": thresholds(threshold)
            },
            "overrides": []
        },
        "options": {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "showLegend": true,
                "calcs": ["mean", "max", "lastNotNull"]
            },
            "tooltip": { "mode": "multi", "sort": "desc" }
        },
        "targets": targets(queries)
    })
}

/// A table of an instant query, its value column named `value_name`.
fn table(
    title: &str,
    description: &str,
    unit: &str,
    threshold: Option<f64>,
    value_name: &str,
    at: At,
    query: Query,
) -> Value {
    json!({
        "type": "table",
        "title": title,
        "description": description,
        "datasource": datasource(),
        "gridPos": grid(at),
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "custom": { "cellOptions": { "type": "color-text" } },
                "thresholds": thresholds(threshold)
            },
            "overrides": []
        },
        "options": {
            "showHeader": true,
            "sortBy": [{ "displayName": value_name, "desc": true }]
        },
        "transformations": [{
            "id": "organize",
            "options": {
                "excludeByName": { "Time": true },
                "renameByName": { "Value": value_name }
            }
        }],
        "targets": targets(vec![query])
    })
}

fn stat(title: &str, description: &str, at: At, queries: Vec<Query>) -> Value {
    json!({
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": datasource(),
        "gridPos": grid(at),
        "fieldConfig": {
            "defaults": { "unit": "none", "thresholds": thresholds(None) },
            "overrides": []
        },
        "options": {
            "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
            "colorMode": "value",
            "graphMode": "none",
            "textMode": "value_and_name"
        },
        "targets": targets(queries)
    })
}

fn datasource_variable() -> Value {
    json!({
        "name": "datasource",
        "label": "Prometheus",
        "description": "The Prometheus to read: one per environment or cluster.",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "options": [],
        "refresh": 1,
        "regex": ""
    })
}

/// A multi-value variable of label values, "All" by default. Its all-value is `.*`, so every
/// expression filters with `=~"$name"`.
fn label_variable(name: &str, label: &str, description: &str, definition: String) -> Value {
    json!({
        "name": name,
        "label": label,
        "description": description,
        "type": "query",
        "datasource": datasource(),
        "definition": definition,
        "query": definition,
        "current": { "selected": true, "text": ["All"], "value": ["$__all"] },
        "hide": 0,
        "includeAll": true,
        "allValue": ".*",
        "multi": true,
        "options": [],
        "refresh": 2,
        "regex": "",
        "sort": 1
    })
}

fn dashboard(
    options: &Options,
    uid: &str,
    title: &str,
    description: &str,
    variables: Vec<Value>,
    panels: Vec<Value>,
) -> Value {
    let (uid, title) = match options.scope() {
        // A uid has at most 40 characters.
        Some(scope) => (
            format!("{uid}-{scope}").chars().take(40).collect(),
            format!("{title} ({scope})"),
        ),
        None => (uid.to_owned(), title.to_owned()),
    };
    let panels: Vec<Value> = panels
        .into_iter()
        .enumerate()
        .map(|(index, mut panel)| {
            panel["id"] = json!(index + 1);
            panel
        })
        .collect();
    json!({
        "uid": uid,
        "title": title,
        "description": format!("{description} Generated by `{}`.", command_line(options)),
        "tags": ["instrument-metrics"],
        "editable": true,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": { "from": "now-1h", "to": "now" },
        "timepicker": {},
        "timezone": "",
        "annotations": {
            "list": [{
                "builtIn": 1,
                "datasource": { "type": "grafana", "uid": "-- Grafana --" },
                "enable": true,
                "hide": true,
                "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts",
                "type": "dashboard"
            }]
        },
        "links": [{
            "title": "instrument-metrics",
            "type": "dashboards",
            "tags": ["instrument-metrics"],
            "asDropdown": false,
            "includeVars": true,
            "keepTime": true
        }],
        "templating": { "list": variables },
        "panels": panels
    })
}

fn percent(ratio: f64) -> String {
    let text = format!("{:.4}", ratio * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

fn functions_dashboard(options: &Options) -> Value {
    // `${family}` is a variable: the same panels show `function_calls` or any family named with
    // `#[instrument_metrics(name = "...")]`.
    let family = options.name("${family}");
    let total = format!("{family}_total");
    let bucket = format!("{family}_duration_seconds_bucket");
    let in_flight = format!("{family}_in_flight");
    let filters = [
        r#"job=~"$job""#,
        r#"instance=~"$instance""#,
        r#"module=~"$module""#,
        r#"function=~"$function""#,
    ];
    let failed_filter = format!(r#"result=~"{FAILED_RESULTS}""#);
    let failed_filters: Vec<&str> = filters
        .iter()
        .copied()
        .chain([failed_filter.as_str()])
        .collect();
    let rate = |metric: &str, matchers: &[&str], window: &str| {
        format!("rate({}[{window}])", selector(metric, matchers))
    };
    let error_ratio = |window: &str| {
        zero_safe_ratio(
            "module, function",
            &rate(&total, &failed_filters, window),
            &rate(&total, &filters, window),
        )
    };
    let quantile = |q: &str, window: &str| {
        format!(
            "histogram_quantile({q}, sum by (le, module, function) ({}))",
            rate(&bucket, &filters, window)
        )
    };
    let ratio_text = percent(options.error_ratio);
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
                    rate(&total, &filters, "$__rate_interval")
                ),
                "{{module}}::{{function}} {{result}}",
            )],
        ),
        timeseries(
            "Error ratio",
            &format!(
                "Share of calls that returned an error or panicked (cancelled calls are not failures). An idle function shows 0, not a gap: see the README. The dashed line is the alert threshold ({ratio_text})."
            ),
            "percentunit",
            Some(options.error_ratio),
            at(12, 0, 12, 8),
            vec![range(
                error_ratio("$__rate_interval"),
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
            vec![
                range(
                    quantile("0.5", "$__rate_interval"),
                    "p50 {{module}}::{{function}}",
                ),
                range(
                    quantile("0.95", "$__rate_interval"),
                    "p95 {{module}}::{{function}}",
                ),
                range(
                    quantile("0.99", "$__rate_interval"),
                    "p99 {{module}}::{{function}}",
                ),
            ],
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
            instant(format!("topk(10, {})", quantile("0.99", "$__range")), ""),
        ),
        table(
            "Most failing functions (error ratio over the dashboard's time range, top 10)",
            "The ten functions with the highest share of failed calls (error or panic) over the whole selected time range; idle ones count as 0.",
            "percentunit",
            Some(options.error_ratio),
            "error ratio",
            at(12, 16, 12, 8),
            instant(format!("topk(10, {})", error_ratio("$__range")), ""),
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

    let family_default = &options.families[0];
    let family_variable = json!({
        "name": "family",
        "label": "Family",
        "description": "The function family: function_calls, or a name given with #[instrument_metrics(name = \"...\")]. Listed from the series that carry a function label.",
        "type": "query",
        "datasource": datasource(),
        "definition": format!(r#"label_values({{__name__=~"{}.+_total", function!=""}}, __name__)"#, options.prefix),
        "query": format!(r#"label_values({{__name__=~"{}.+_total", function!=""}}, __name__)"#, options.prefix),
        "regex": format!("/^{}(.+)_total$/", options.prefix),
        "current": { "selected": true, "text": family_default, "value": family_default },
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "options": [],
        "refresh": 2,
        "sort": 1
    });
    let variables = vec![
        datasource_variable(),
        family_variable,
        label_variable(
            "job",
            "Job",
            "Scrape jobs exporting the family.",
            format!("label_values({total}, job)"),
        ),
        label_variable(
            "instance",
            "Instance",
            "Scrape targets of the selected jobs.",
            format!(r#"label_values({total}{{job=~"$job"}}, instance)"#),
        ),
        label_variable(
            "module",
            "Module",
            "module_path!() of the instrumented code.",
            format!(r#"label_values({total}{{job=~"$job", instance=~"$instance"}}, module)"#),
        ),
        label_variable(
            "function",
            "Function",
            "Instrumented functions of the selected modules (methods are Type::method).",
            format!(
                r#"label_values({total}{{job=~"$job", instance=~"$instance", module=~"$module"}}, function)"#
            ),
        ),
    ];
    dashboard(
        options,
        "instrument-metrics-functions",
        "Instrumented functions",
        "Calls, failures, latency and concurrency of functions instrumented with #[instrument_metrics].",
        variables,
        panels,
    )
}

fn http_dashboard(options: &Options) -> Value {
    let requests = options.name("http_requests_total");
    let bucket = options.name("http_request_duration_seconds_bucket");
    let in_progress = options.name("http_requests_in_progress");
    let filters = [
        r#"job=~"$job""#,
        r#"instance=~"$instance""#,
        r#"handler=~"$handler""#,
        r#"method=~"$method""#,
    ];
    // The size summaries are labelled by handler only.
    let size_filters = [
        r#"job=~"$job""#,
        r#"instance=~"$instance""#,
        r#"handler=~"$handler""#,
    ];
    let failed_filters: Vec<&str> = filters
        .iter()
        .copied()
        .chain([r#"status=~"5..""#])
        .collect();
    let rate = |metric: &str, matchers: &[&str]| {
        format!("rate({}[$__rate_interval])", selector(metric, matchers))
    };
    let quantile = |q: &str| {
        format!(
            "histogram_quantile({q}, sum by (le, handler) ({}))",
            rate(&bucket, &filters)
        )
    };
    let size_queries = |base: &str| {
        let summary = options.name(base);
        let p99_filters: Vec<&str> = size_filters
            .iter()
            .copied()
            .chain([r#"quantile="0.99""#])
            .collect();
        vec![
            range(
                format!(
                    "sum by (handler) ({}) / sum by (handler) ({})",
                    rate(&format!("{summary}_sum"), &size_filters),
                    rate(&format!("{summary}_count"), &size_filters)
                ),
                "mean {{handler}}",
            ),
            range(
                format!("max by (handler) ({})", selector(&summary, &p99_filters)),
                "p99 {{handler}} (highest instance)",
            ),
        ]
    };
    let ratio_text = percent(options.error_ratio);
    let p99_text = format!("{}s", options.p99_seconds);
    let size_description = "Mean body size from the summary's _sum and _count (exact across instances), and the p99 the busiest instance reports: summary quantiles are computed per instance and cannot be averaged or summed, so the panel shows the highest. A route with no requests in the window has no mean (a gap).";

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
                    rate(&requests, &filters)
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
                    &rate(&requests, &failed_filters),
                    &rate(&requests, &filters),
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
            vec![
                range(quantile("0.5"), "p50 {{handler}}"),
                range(quantile("0.95"), "p95 {{handler}}"),
                range(quantile("0.99"), "p99 {{handler}}"),
            ],
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
            size_queries("http_response_size_bytes"),
        ),
        timeseries(
            "Request size",
            size_description,
            "bytes",
            None,
            at(12, 16, 12, 8),
            size_queries("http_request_size_bytes"),
        ),
    ];
    let variables = vec![
        datasource_variable(),
        label_variable(
            "job",
            "Job",
            "Scrape jobs serving HTTP through HttpMetricsLayer.",
            format!("label_values({requests}, job)"),
        ),
        label_variable(
            "instance",
            "Instance",
            "Scrape targets of the selected jobs.",
            format!(r#"label_values({requests}{{job=~"$job"}}, instance)"#),
        ),
        label_variable(
            "handler",
            "Route",
            "Route templates (/users/{id}); none is every unmatched request.",
            format!(r#"label_values({requests}{{job=~"$job", instance=~"$instance"}}, handler)"#),
        ),
        label_variable(
            "method",
            "Method",
            "HTTP methods (other for non-standard ones).",
            format!(
                r#"label_values({requests}{{job=~"$job", instance=~"$instance", handler=~"$handler"}}, method)"#
            ),
        ),
    ];
    dashboard(
        options,
        "instrument-metrics-http",
        "HTTP requests",
        "Requests, 5xx ratio, latency, concurrency and body sizes of services measured by instrument_metrics::http::HttpMetricsLayer.",
        variables,
        panels,
    )
}

// ---------------------------------------------------------------------------------------------
// Rules

enum Rule {
    Record {
        name: String,
        expr: String,
    },
    Alert {
        name: String,
        expr: String,
        for_duration: String,
        /// `severity`, and `family` for function alerts: one alert per family would otherwise
        /// have the same name and labels in every family's group.
        labels: Vec<(&'static str, String)>,
        summary: String,
        description: String,
    },
}

struct Group {
    name: String,
    rules: Vec<Rule>,
}

fn recording_groups(options: &Options) -> Vec<Group> {
    let mut groups = Vec::new();
    for family in &options.families {
        let full = options.name(family);
        let names = Recorded::function(options, family);
        let by = options.by("module, function");
        let by = by.as_str();
        groups.push(Group {
            name: format!("instrument-metrics.{full}"),
            rules: vec![
                Rule::Record {
                    name: names.rate.clone(),
                    expr: format!("sum by ({by}, result) (rate({full}_total[{RULE_WINDOW}]))"),
                },
                Rule::Record {
                    name: names.errors_ratio,
                    expr: zero_safe_ratio(
                        by,
                        &format!(r#"{}{{result=~"{FAILED_RESULTS}"}}"#, names.rate),
                        &names.rate,
                    ),
                },
                Rule::Record {
                    name: names.bucket_rate.clone(),
                    expr: format!(
                        "sum by ({by}, le) (rate({full}_duration_seconds_bucket[{RULE_WINDOW}]))"
                    ),
                },
                Rule::Record {
                    name: names.p99,
                    expr: format!("histogram_quantile(0.99, {})", names.bucket_rate),
                },
            ],
        });
    }
    let names = Recorded::http(options);
    let by = options.by("handler");
    let by = by.as_str();
    groups.push(Group {
        name: format!("instrument-metrics.{}", options.name("http")),
        rules: vec![
            Rule::Record {
                name: names.rate.clone(),
                expr: format!(
                    "sum by ({by}, method, status) (rate({}[{RULE_WINDOW}]))",
                    options.name("http_requests_total")
                ),
            },
            Rule::Record {
                name: names.errors_ratio,
                expr: zero_safe_ratio(
                    by,
                    &format!(r#"{}{{status=~"5.."}}"#, names.rate),
                    &names.rate,
                ),
            },
            Rule::Record {
                name: names.bucket_rate.clone(),
                expr: format!(
                    "sum by ({by}, le) (rate({}[{RULE_WINDOW}]))",
                    options.name("http_request_duration_seconds_bucket")
                ),
            },
            Rule::Record {
                name: names.p99,
                expr: format!("histogram_quantile(0.99, {})", names.bucket_rate),
            },
        ],
    });
    groups
}

/// `up == 0`, or `up{job=~"a|b"} == 0` with `--jobs a,b`.
fn instance_down_expr(options: &Options) -> String {
    if options.jobs.is_empty() {
        "up == 0".to_owned()
    } else {
        let jobs: Vec<String> = options.jobs.iter().map(|job| regex_escape(job)).collect();
        format!(r#"up{{job=~"{}"}} == 0"#, jobs.join("|"))
    }
}

fn alert_groups(options: &Options) -> Vec<Group> {
    let ratio = options.error_ratio;
    let ratio_text = percent(ratio);
    let p99 = options.p99_seconds;
    let for_duration = &options.for_duration;
    let mut groups = Vec::new();
    for family in &options.families {
        let full = options.name(family);
        let names = Recorded::function(options, family);
        let who = "{{ $labels.module }}::{{ $labels.function }}";
        groups.push(Group {
            name: format!("instrument-metrics.{full}.alerts"),
            rules: vec![
                Rule::Alert {
                    name: "FunctionErrorRatioHigh".to_owned(),
                    expr: format!("{} > {ratio}", names.errors_ratio),
                    for_duration: for_duration.clone(),
                    labels: vec![("severity", "warning".to_owned()), ("family", full.clone())],
                    summary: format!("{who} fails more than {ratio_text} of its calls"),
                    description: format!(
                        "{who} (job {{{{ $labels.job }}}}, family {full}) returned an error or panicked in {{{{ $value | humanizePercentage }}}} of its calls over the last {RULE_WINDOW}; the threshold is {ratio_text}."
                    ),
                },
                Rule::Alert {
                    name: "FunctionLatencyHigh".to_owned(),
                    expr: format!("{} > {p99}", names.p99),
                    for_duration: for_duration.clone(),
                    labels: vec![("severity", "warning".to_owned()), ("family", full.clone())],
                    summary: format!("{who} p99 latency is above {p99}s"),
                    description: format!(
                        "The 99th percentile duration of {who} (job {{{{ $labels.job }}}}, family {full}) over the last {RULE_WINDOW} is {{{{ $value | humanizeDuration }}}}; the threshold is {p99}s."
                    ),
                },
            ],
        });
    }
    let names = Recorded::http(options);
    let route = "{{ $labels.handler }}";
    groups.push(Group {
        name: format!("instrument-metrics.{}.alerts", options.name("http")),
        rules: vec![
            Rule::Alert {
                name: "HttpErrorRatioHigh".to_owned(),
                expr: format!("{} > {ratio}", names.errors_ratio),
                for_duration: for_duration.clone(),
                labels: vec![("severity", "warning".to_owned())],
                summary: format!("{route} answers more than {ratio_text} of requests with 5xx"),
                description: format!(
                    "Route {route} of job {{{{ $labels.job }}}} answered {{{{ $value | humanizePercentage }}}} of its requests with a 5xx status over the last {RULE_WINDOW}; the threshold is {ratio_text}."
                ),
            },
            Rule::Alert {
                name: "HttpLatencyHigh".to_owned(),
                expr: format!("{} > {p99}", names.p99),
                for_duration: for_duration.clone(),
                labels: vec![("severity", "warning".to_owned())],
                summary: format!("{route} p99 latency is above {p99}s"),
                description: format!(
                    "The 99th percentile duration of requests to {route} (job {{{{ $labels.job }}}}) over the last {RULE_WINDOW} is {{{{ $value | humanizeDuration }}}}; the threshold is {p99}s."
                ),
            },
        ],
    });
    groups.push(Group {
        name: "instrument-metrics.instances.alerts".to_owned(),
        rules: vec![Rule::Alert {
            name: "InstanceDown".to_owned(),
            expr: instance_down_expr(options),
            for_duration: for_duration.clone(),
            labels: vec![("severity", "critical".to_owned())],
            summary: "{{ $labels.instance }} (job {{ $labels.job }}) is down".to_owned(),
            description: format!(
                "Prometheus has failed to scrape {{{{ $labels.instance }}}} of job {{{{ $labels.job }}}} for {for_duration}: the process is down, or its metrics endpoint is unreachable."
            ),
        }],
    });
    groups
}

// ---------------------------------------------------------------------------------------------
// YAML (written by hand: the shapes are fixed and few)

/// A YAML scalar: plain when that is unambiguous, else single-quoted.
fn yaml_scalar(text: &str) -> String {
    let plain_safe = !text.is_empty()
        && !text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !text.ends_with(' ')
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !text.contains('\n')
        && text.parse::<f64>().is_err()
        && !["true", "false", "null", "yes", "no", "on", "off", "~"]
            .contains(&text.to_ascii_lowercase().as_str());
    if plain_safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `key: value` at `indent`, as a block literal when the value spans lines.
fn yaml_field(out: &mut String, indent: usize, key: &str, value: &str) {
    let pad = " ".repeat(indent);
    if value.contains('\n') {
        out.push_str(&format!("{pad}{key}: |-\n"));
        for line in value.lines() {
            out.push_str(&format!("{pad}  {line}\n"));
        }
    } else {
        out.push_str(&format!("{pad}{key}: {}\n", yaml_scalar(value)));
    }
}

fn header(options: &Options, what: &str) -> String {
    format!(
        "# Generated by `{}`; do not edit.\n# {what}\n",
        command_line(options)
    )
}

fn rule_file(options: &Options, what: &str, groups: &[Group]) -> String {
    let mut out = header(options, what);
    out.push_str("groups:\n");
    for group in groups {
        out.push_str(&format!(
            "  - name: {}\n    rules:\n",
            yaml_scalar(&group.name)
        ));
        for rule in &group.rules {
            match rule {
                Rule::Record { name, expr } => {
                    out.push_str(&format!("      - record: {}\n", yaml_scalar(name)));
                    yaml_field(&mut out, 8, "expr", expr);
                }
                Rule::Alert {
                    name,
                    expr,
                    for_duration,
                    labels,
                    summary,
                    description,
                } => {
                    out.push_str(&format!("      - alert: {}\n", yaml_scalar(name)));
                    yaml_field(&mut out, 8, "expr", expr);
                    yaml_field(&mut out, 8, "for", for_duration);
                    out.push_str("        labels:\n");
                    for (name, value) in labels {
                        yaml_field(&mut out, 10, name, value);
                    }
                    out.push_str("        annotations:\n");
                    yaml_field(&mut out, 10, "summary", summary);
                    yaml_field(&mut out, 10, "description", description);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// promtool unit tests

struct UnitTest {
    name: String,
    /// (series, values in promtool's expanding notation)
    series: Vec<(String, String)>,
    alerts: Vec<AlertCheck>,
    exprs: Vec<ExprCheck>,
}

struct AlertCheck {
    eval_minutes: u64,
    alert: String,
    expected: Vec<ExpectedAlert>,
}

struct ExpectedAlert {
    labels: Vec<(String, String)>,
    summary: String,
    description: String,
}

struct ExprCheck {
    expr: String,
    eval_minutes: u64,
    /// (series, value)
    samples: Vec<(String, f64)>,
}

fn unit_test_file(options: &Options, what: &str, tests: &[UnitTest]) -> String {
    let mut out = header(options, what);
    out.push_str(
        "# Every input series has one sample a minute; rates over 5m are exact from minute 5 on.\n",
    );
    out.push_str("rule_files:\n  - ../recording_rules.yml\n  - ../alert_rules.yml\n");
    out.push_str("evaluation_interval: 1m\ntests:\n");
    for test in tests {
        yaml_field(&mut out, 2, "- name", &test.name);
        out.push_str("    interval: 1m\n    input_series:\n");
        for (series, values) in &test.series {
            yaml_field(&mut out, 6, "- series", series);
            yaml_field(&mut out, 8, "values", values);
        }
        if !test.alerts.is_empty() {
            out.push_str("    alert_rule_test:\n");
        }
        for check in &test.alerts {
            out.push_str(&format!("      - eval_time: {}m\n", check.eval_minutes));
            yaml_field(&mut out, 8, "alertname", &check.alert);
            if check.expected.is_empty() {
                out.push_str("        exp_alerts: []\n");
                continue;
            }
            out.push_str("        exp_alerts:\n");
            for alert in &check.expected {
                out.push_str("          - exp_labels:\n");
                for (name, value) in &alert.labels {
                    yaml_field(&mut out, 14, name, value);
                }
                out.push_str("            exp_annotations:\n");
                yaml_field(&mut out, 14, "summary", &alert.summary);
                yaml_field(&mut out, 14, "description", &alert.description);
            }
        }
        if !test.exprs.is_empty() {
            out.push_str("    promql_expr_test:\n");
        }
        for check in &test.exprs {
            // promtool compares values bit for bit, and a rate carries float error from its
            // extrapolation (977.0000000000001): values are compared rounded to a millionth.
            // `round` drops the metric name, so the expected series are labels only.
            yaml_field(
                &mut out,
                6,
                "- expr",
                &format!("round({}, {ROUND_TO})", check.expr),
            );
            out.push_str(&format!("        eval_time: {}m\n", check.eval_minutes));
            out.push_str("        exp_samples:\n");
            for (series, value) in &check.samples {
                let labels = series.find('{').map_or("{}", |start| &series[start..]);
                yaml_field(&mut out, 10, "- labels", labels);
                out.push_str(&format!(
                    "            value: {}\n",
                    go_float_literal(promql_round(*value))
                ));
            }
        }
    }
    out
}

/// What the recorded values of the unit tests are rounded to.
const ROUND_TO: &str = "0.000001";

/// PromQL's `round(value, 0.000001)`, operation for operation.
fn promql_round(value: f64) -> f64 {
    let inverse = 1.0 / 0.000_001;
    (value * inverse + 0.5).floor() / inverse
}

/// A float as promtool reads it back to the same bits (the shortest round-trip form).
fn go_float_literal(value: f64) -> String {
    let text = format!("{value:?}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

/// When the crafted alerts are checked, in whole minutes.
struct Timeline {
    /// A condition that holds from minute 1 (the first minute with two samples in the window)
    /// has fired by now, and the 5m windows are full, so values are exact.
    fired: u64,
    /// ... and it has not fired yet here (`None` when `--for` is under a minute).
    pending: Option<u64>,
    /// Samples per input series.
    samples: u64,
}

fn timeline(options: &Options) -> Timeline {
    let for_minutes = options.for_seconds.div_ceil(60);
    // The alert's condition holds from minute 1 or 2 (an alert group may see the recording
    // group's results of the previous evaluation), so it fires by for + 2 minutes.
    let fired = (for_minutes + 2).max(5);
    Timeline {
        fired,
        pending: (options.for_seconds >= 60).then_some(options.for_seconds / 60),
        samples: fired,
    }
}

/// Calls per second of the crafted functions and routes; each series grows by 60 times its
/// rate every minute, so every rate over 5m is this integer exactly.
fn calls_per_second(options: &Options) -> u64 {
    let mut total = 1000_u64;
    while (total as f64) * options.error_ratio < 10.0 {
        total *= 10;
    }
    total
}

/// Failed calls per second out of `total`: clearly above the threshold, and clearly below it.
fn failing_and_healthy(options: &Options, total: u64) -> (u64, u64) {
    let ratio = options.error_ratio;
    let above = (2.0 * ratio).min(f64::midpoint(1.0, ratio));
    let failing = ((total as f64) * above).ceil() as u64;
    let healthy = ((total as f64) * ratio / 2.0).floor() as u64;
    assert!(
        failing as f64 / total as f64 > ratio && (healthy as f64 / total as f64) < ratio,
        "the crafted ratios straddle the threshold"
    );
    (failing, healthy)
}

/// The kept labels of `--keep-labels` on the crafted series, each with the value `prod`.
fn kept_labels(options: &Options) -> Vec<(&str, &'static str)> {
    options
        .keep
        .iter()
        .map(|label| (label.as_str(), "prod"))
        .collect()
}

fn owned(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn growing(per_second: u64, samples: u64) -> String {
    format!("0+{}x{samples}", per_second * 60)
}

fn flat(value: u64, samples: u64) -> String {
    format!("{value}+0x{samples}")
}

fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let labels: Vec<String> = labels
        .iter()
        .map(|(name, value)| format!("{name}=\"{value}\""))
        .collect();
    format!("{name}{{{}}}", labels.join(", "))
}

/// Crafted histogram bounds around the p99 threshold: `threshold/2, threshold, 2*threshold`.
fn crafted_bounds(options: &Options) -> [f64; 3] {
    let threshold = options.p99_seconds;
    [threshold / 2.0, threshold, threshold * 2.0]
}

/// `cumulative` counts per bound (then +Inf), `per_second` observations each.
fn histogram_series(
    bucket: &str,
    labels: &[(&str, &str)],
    bounds: [f64; 3],
    cumulative: [u64; 3],
    total: u64,
    samples: u64,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (bound, count) in bounds.iter().zip(cumulative) {
        let le = go_float_literal(*bound);
        let mut labels = labels.to_vec();
        labels.push(("le", &le));
        out.push((series(bucket, &labels), growing(count, samples)));
    }
    let mut labels = labels.to_vec();
    labels.push(("le", "+Inf"));
    out.push((series(bucket, &labels), growing(total, samples)));
    out
}

/// Prometheus 2.42's `bucketQuantile`, for the buckets this generator crafts: every observation
/// in one bucket, `(start, end]`, so the result is interpolated inside it.
fn crafted_quantile(q: f64, start: f64, end: f64, per_second: u64) -> f64 {
    let count = per_second as f64;
    let rank = q * count;
    start + (end - start) * (rank / count)
}

fn function_tests(options: &Options) -> Vec<UnitTest> {
    options
        .families
        .iter()
        .map(|family| function_test(options, family))
        .collect()
}

fn function_test(options: &Options, family: &str) -> UnitTest {
    let full = options.name(family);
    let total_name = format!("{full}_total");
    let bucket_name = format!("{full}_duration_seconds_bucket");
    let names = Recorded::function(options, family);
    let time = timeline(options);
    let n = time.samples;
    let total = calls_per_second(options);
    let (failing, healthy) = failing_and_healthy(options, total);
    let job = "shop";
    let module = "shop::orders";
    let kept = kept_labels(options);
    let base = |function: &'static str| {
        let mut labels = vec![("job", job)];
        labels.extend_from_slice(&kept);
        labels.extend([
            ("instance", "shop-1:9000"),
            ("module", module),
            ("function", function),
        ]);
        labels
    };
    let with = |function: &'static str, result: &'static str| {
        let mut labels = base(function);
        labels.push(("result", result));
        series(&total_name, &labels)
    };
    // checkout fails (errors and panics), list_orders fails rarely, ping returns no Result (only
    // `ok` series exist), refund is idle (its zero-initialised series never move).
    let panics = failing / 2;
    let cancelled = 3.min(total - failing);
    let mut input = vec![
        (
            with("checkout", "ok"),
            growing(total - failing - cancelled, n),
        ),
        (with("checkout", "error"), growing(failing - panics, n)),
        (with("checkout", "panic"), growing(panics, n)),
        (with("checkout", "cancelled"), growing(cancelled, n)),
        (with("list_orders", "ok"), growing(total - healthy, n)),
        (with("list_orders", "error"), growing(healthy, n)),
        (with("list_orders", "panic"), flat(0, n)),
        (with("ping", "ok"), growing(total, n)),
        (with("refund", "ok"), flat(7, n)),
        (with("refund", "error"), flat(1, n)),
        (with("refund", "panic"), flat(0, n)),
    ];
    // checkout is slow (every call in (threshold, 2*threshold]), list_orders fast (in
    // (threshold/2, threshold]), refund idle.
    let bounds = crafted_bounds(options);
    let latency = 100;
    input.extend(histogram_series(
        &bucket_name,
        &base("checkout"),
        bounds,
        [0, 0, latency],
        latency,
        n,
    ));
    input.extend(histogram_series(
        &bucket_name,
        &base("list_orders"),
        bounds,
        [0, latency, latency],
        latency,
        n,
    ));
    input.extend(histogram_series(
        &bucket_name,
        &base("refund"),
        bounds,
        [0, 0, 0],
        0,
        n,
    ));

    let checkout_ratio = failing as f64 / total as f64;
    let checkout_p99 = crafted_quantile(0.99, bounds[1], bounds[2], latency);
    let list_orders_p99 = crafted_quantile(0.99, bounds[0], bounds[1], latency);
    let who = format!("{module}::checkout");
    let labels = |severity: &str| {
        let mut labels = vec![
            ("severity".to_owned(), severity.to_owned()),
            ("family".to_owned(), full.clone()),
            ("job".to_owned(), job.to_owned()),
        ];
        labels.extend(owned(&kept));
        labels.extend([
            ("module".to_owned(), module.to_owned()),
            ("function".to_owned(), "checkout".to_owned()),
        ]);
        labels
    };
    let ratio_text = percent(options.error_ratio);
    let p99 = options.p99_seconds;
    let mut alerts = Vec::new();
    if let Some(pending) = time.pending {
        for alert in ["FunctionErrorRatioHigh", "FunctionLatencyHigh"] {
            alerts.push(AlertCheck {
                eval_minutes: pending,
                alert: alert.to_owned(),
                expected: Vec::new(),
            });
        }
    }
    alerts.push(AlertCheck {
        eval_minutes: time.fired,
        alert: "FunctionErrorRatioHigh".to_owned(),
        expected: vec![ExpectedAlert {
            labels: labels("warning"),
            summary: format!("{who} fails more than {ratio_text} of its calls"),
            description: format!(
                "{who} (job {job}, family {full}) returned an error or panicked in {} of its calls over the last {RULE_WINDOW}; the threshold is {ratio_text}.",
                humanize_percentage(checkout_ratio)
            ),
        }],
    });
    alerts.push(AlertCheck {
        eval_minutes: time.fired,
        alert: "FunctionLatencyHigh".to_owned(),
        expected: vec![ExpectedAlert {
            labels: labels("warning"),
            summary: format!("{who} p99 latency is above {p99}s"),
            description: format!(
                "The 99th percentile duration of {who} (job {job}, family {full}) over the last {RULE_WINDOW} is {}; the threshold is {p99}s.",
                humanize_duration(checkout_p99)
            ),
        }],
    });

    let grouped = |name: &str, function: &str, extra: &[(&str, &str)]| {
        let mut labels = vec![("job", job)];
        labels.extend_from_slice(&kept);
        labels.extend([("module", module), ("function", function)]);
        labels.extend_from_slice(extra);
        series(name, &labels)
    };
    let ratio_of = |failed: u64| failed as f64 / total as f64;
    let exprs = vec![
        ExprCheck {
            expr: format!(r#"{}{{function="checkout"}}"#, names.rate),
            eval_minutes: time.fired,
            samples: vec![
                (
                    grouped(&names.rate, "checkout", &[("result", "cancelled")]),
                    cancelled as f64,
                ),
                (
                    grouped(&names.rate, "checkout", &[("result", "error")]),
                    (failing - panics) as f64,
                ),
                (
                    grouped(&names.rate, "checkout", &[("result", "ok")]),
                    (total - failing - cancelled) as f64,
                ),
                (
                    grouped(&names.rate, "checkout", &[("result", "panic")]),
                    panics as f64,
                ),
            ],
        },
        ExprCheck {
            expr: names.errors_ratio.clone(),
            eval_minutes: time.fired,
            // Errors and panics count, cancellations do not; a function without error series
            // and an idle one are 0, not missing and not NaN.
            samples: vec![
                (
                    grouped(&names.errors_ratio, "checkout", &[]),
                    ratio_of(failing),
                ),
                (
                    grouped(&names.errors_ratio, "list_orders", &[]),
                    ratio_of(healthy),
                ),
                (grouped(&names.errors_ratio, "ping", &[]), 0.0),
                (grouped(&names.errors_ratio, "refund", &[]), 0.0),
            ],
        },
        ExprCheck {
            // An idle function has no p99 (NaN), which no threshold crosses; it is left out here
            // because NaN equals nothing.
            expr: format!(r#"{}{{function!="refund"}}"#, names.p99),
            eval_minutes: time.fired,
            samples: vec![
                (grouped(&names.p99, "checkout", &[]), checkout_p99),
                (grouped(&names.p99, "list_orders", &[]), list_orders_p99),
            ],
        },
    ];
    UnitTest {
        name: format!(
            "{full}: checkout fails and is slow, list_orders is healthy, ping has no error series, refund is idle"
        ),
        series: input,
        alerts,
        exprs,
    }
}

fn http_test(options: &Options) -> UnitTest {
    let requests = options.name("http_requests_total");
    let bucket = options.name("http_request_duration_seconds_bucket");
    let names = Recorded::http(options);
    let time = timeline(options);
    let n = time.samples;
    let total = calls_per_second(options);
    let (failing, healthy) = failing_and_healthy(options, total);
    let job = "api";
    let kept = kept_labels(options);
    let base = |handler: &'static str| {
        let mut labels = vec![("job", job)];
        labels.extend_from_slice(&kept);
        labels.extend([
            ("instance", "api-1:8080"),
            ("handler", handler),
            ("method", "GET"),
        ]);
        labels
    };
    let with = |handler: &'static str, status: &'static str| {
        let mut labels = base(handler);
        labels.push(("status", status));
        series(&requests, &labels)
    };
    // /orders fails with 500s and 503s, /users/{id} fails rarely and answers many 404s (not
    // failures), /health has no 5xx series at all, /reports is idle.
    let unavailable = failing / 2;
    let mut input = vec![
        (with("/orders", "200"), growing(total - failing, n)),
        (with("/orders", "500"), growing(failing - unavailable, n)),
        (with("/orders", "503"), growing(unavailable, n)),
        (with("/users/{id}", "200"), growing(total / 2 - healthy, n)),
        (with("/users/{id}", "404"), growing(total / 2, n)),
        (with("/users/{id}", "500"), growing(healthy, n)),
        (with("/health", "200"), growing(total, n)),
        (with("/reports", "200"), flat(4, n)),
        (with("/reports", "500"), flat(1, n)),
    ];
    let bounds = crafted_bounds(options);
    let latency = 50;
    input.extend(histogram_series(
        &bucket,
        &base("/orders"),
        bounds,
        [0, 0, latency],
        latency,
        n,
    ));
    input.extend(histogram_series(
        &bucket,
        &base("/users/{id}"),
        bounds,
        [0, latency, latency],
        latency,
        n,
    ));
    input.extend(histogram_series(
        &bucket,
        &base("/reports"),
        bounds,
        [0, 0, 0],
        0,
        n,
    ));

    let orders_ratio = failing as f64 / total as f64;
    let orders_p99 = crafted_quantile(0.99, bounds[1], bounds[2], latency);
    let users_p99 = crafted_quantile(0.99, bounds[0], bounds[1], latency);
    let mut labels = vec![
        ("severity".to_owned(), "warning".to_owned()),
        ("job".to_owned(), job.to_owned()),
        ("handler".to_owned(), "/orders".to_owned()),
    ];
    labels.extend(owned(&kept));
    let ratio_text = percent(options.error_ratio);
    let p99 = options.p99_seconds;
    let mut alerts = Vec::new();
    if let Some(pending) = time.pending {
        for alert in ["HttpErrorRatioHigh", "HttpLatencyHigh"] {
            alerts.push(AlertCheck {
                eval_minutes: pending,
                alert: alert.to_owned(),
                expected: Vec::new(),
            });
        }
    }
    alerts.push(AlertCheck {
        eval_minutes: time.fired,
        alert: "HttpErrorRatioHigh".to_owned(),
        expected: vec![ExpectedAlert {
            labels: labels.clone(),
            summary: format!("/orders answers more than {ratio_text} of requests with 5xx"),
            description: format!(
                "Route /orders of job {job} answered {} of its requests with a 5xx status over the last {RULE_WINDOW}; the threshold is {ratio_text}.",
                humanize_percentage(orders_ratio)
            ),
        }],
    });
    alerts.push(AlertCheck {
        eval_minutes: time.fired,
        alert: "HttpLatencyHigh".to_owned(),
        expected: vec![ExpectedAlert {
            labels,
            summary: format!("/orders p99 latency is above {p99}s"),
            description: format!(
                "The 99th percentile duration of requests to /orders (job {job}) over the last {RULE_WINDOW} is {}; the threshold is {p99}s.",
                humanize_duration(orders_p99)
            ),
        }],
    });
    let grouped_with = |name: &str, handler: &str, extra: &[(&str, &str)]| {
        let mut labels = vec![("job", job)];
        labels.extend_from_slice(&kept);
        labels.push(("handler", handler));
        labels.extend_from_slice(extra);
        series(name, &labels)
    };
    let grouped = |name: &str, handler: &str| grouped_with(name, handler, &[]);
    let exprs = vec![
        ExprCheck {
            expr: format!(r#"{}{{handler="/orders"}}"#, names.rate),
            eval_minutes: time.fired,
            samples: vec![
                (
                    grouped_with(
                        &names.rate,
                        "/orders",
                        &[("method", "GET"), ("status", "200")],
                    ),
                    (total - failing) as f64,
                ),
                (
                    grouped_with(
                        &names.rate,
                        "/orders",
                        &[("method", "GET"), ("status", "500")],
                    ),
                    (failing - unavailable) as f64,
                ),
                (
                    grouped_with(
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
            eval_minutes: time.fired,
            samples: vec![
                (grouped(&names.errors_ratio, "/health"), 0.0),
                (grouped(&names.errors_ratio, "/orders"), orders_ratio),
                (grouped(&names.errors_ratio, "/reports"), 0.0),
                (
                    grouped(&names.errors_ratio, "/users/{id}"),
                    healthy as f64 / total as f64,
                ),
            ],
        },
        ExprCheck {
            expr: format!(r#"{}{{handler!="/reports"}}"#, names.p99),
            eval_minutes: time.fired,
            samples: vec![
                (grouped(&names.p99, "/orders"), orders_p99),
                (grouped(&names.p99, "/users/{id}"), users_p99),
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

fn instances_test(options: &Options) -> UnitTest {
    let for_minutes = options.for_seconds.div_ceil(60);
    // b goes down at minute 2 and stays down; a stays up; with --jobs, a target of another job
    // goes down too and is not ours to report.
    let down_at = 2;
    let fired = down_at + for_minutes + 1;
    let n = fired + 1;
    let job = options
        .jobs
        .first()
        .map_or("shop", String::as_str)
        .to_owned();
    let mut other = "unrelated".to_owned();
    while options.jobs.contains(&other) {
        other.push('_');
    }
    let up = |instance: &str, job: &str| series("up", &[("job", job), ("instance", instance)]);
    let down_from = |minute: u64| format!("1x{} 0x{}", minute - 1, n - minute);
    let mut input = vec![
        (up("shop-1:9000", &job), format!("1x{n}")),
        (up("shop-2:9000", &job), down_from(down_at)),
    ];
    if !options.jobs.is_empty() {
        input.push((up("other-1:9000", &other), down_from(down_at)));
    }
    let mut alerts = Vec::new();
    if options.for_seconds >= 60 {
        alerts.push(AlertCheck {
            eval_minutes: down_at + options.for_seconds / 60 - 1,
            alert: "InstanceDown".to_owned(),
            expected: Vec::new(),
        });
    }
    alerts.push(AlertCheck {
        eval_minutes: fired,
        alert: "InstanceDown".to_owned(),
        expected: vec![ExpectedAlert {
            labels: vec![
                ("severity".to_owned(), "critical".to_owned()),
                ("job".to_owned(), job.clone()),
                ("instance".to_owned(), "shop-2:9000".to_owned()),
            ],
            summary: format!("shop-2:9000 (job {job}) is down"),
            description: format!(
                "Prometheus has failed to scrape shop-2:9000 of job {job} for {}: the process is down, or its metrics endpoint is unreachable.",
                options.for_duration
            ),
        }],
    });
    UnitTest {
        name: "InstanceDown: shop-2 stops answering at minute 2, shop-1 stays up".to_owned(),
        series: input,
        alerts,
        exprs: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Go's number formatting, as Prometheus's template functions print `$value`

/// `fmt.Sprintf("%.4g", value)`.
fn go_g4(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    const PRECISION: i32 = 4;
    // Four significant digits, correctly rounded, as `d.ddde±x`.
    let scientific = format!("{:.3e}", value.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let count = digits.len() as i32;
    let point = exponent + 1;
    let sign = if value < 0.0 { "-" } else { "" };
    let mut eprec = PRECISION;
    if eprec > count && count >= point {
        eprec = count;
    }
    if exponent < -4 || exponent >= eprec {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.abs()
        );
    }
    let precision = if PRECISION > point { count } else { PRECISION };
    let decimals = (precision - point).max(0);
    let digit = |index: i32| {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.as_bytes().get(index))
            .map_or('0', |byte| char::from(*byte))
    };
    let mut text = sign.to_owned();
    if point <= 0 {
        text.push('0');
    } else {
        text.extend((0..point).map(digit));
    }
    if decimals > 0 {
        text.push('.');
        text.extend((point..point + decimals).map(digit));
    }
    text
}

/// Prometheus's `humanizePercentage`.
fn humanize_percentage(value: f64) -> String {
    format!("{}%", go_g4(value * 100.0))
}

/// Prometheus's `humanizeDuration`.
fn humanize_duration(value: f64) -> String {
    if value.is_nan() || value.is_infinite() {
        return go_g4(value);
    }
    if value == 0.0 {
        return format!("{}s", go_g4(value));
    }
    if value.abs() >= 1.0 {
        let sign = if value < 0.0 { "-" } else { "" };
        let value = value.abs();
        let whole = value as i64;
        let (seconds, minutes, hours, days) = (
            whole % 60,
            (whole / 60) % 60,
            (whole / 3600) % 24,
            whole / 86_400,
        );
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", go_g4(value))
        };
    }
    let mut value = value;
    let mut prefix = "";
    for unit in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if value.abs() >= 1.0 {
            break;
        }
        prefix = unit;
        value *= 1000.0;
    }
    format!("{}{prefix}s", go_g4(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_g4_matches_go() {
        for (value, go) in [
            (2.0, "2"),
            (2.485, "2.485"),
            (0.5, "0.5"),
            (50.5, "50.5"),
            (1234.5678, "1235"),
            (12345.0, "1.234e+04"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (597.0, "597"),
            (1.0e6, "1e+06"),
            (99.99999, "100"),
            (-3.25, "-3.25"),
        ] {
            assert_eq!(go_g4(value), go, "{value}");
        }
    }

    #[test]
    fn humanize_like_prometheus() {
        assert_eq!(humanize_percentage(0.02), "2%");
        assert_eq!(humanize_duration(0.597), "597ms");
        assert_eq!(humanize_duration(1.99), "1.99s");
        assert_eq!(humanize_duration(125.0), "2m 5s");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("5m"), Ok(300));
        assert_eq!(duration_seconds("1h30m"), Ok(5400));
        assert!(duration_seconds("5").is_err());
        assert!(duration_seconds("1.5m").is_err());
        assert!(duration_seconds("").is_err());
    }

    #[test]
    fn yaml_scalars() {
        assert_eq!(yaml_scalar("up == 0"), "up == 0");
        assert_eq!(yaml_scalar(r#"a{b="c"} > 1"#), r#"a{b="c"} > 1"#);
        assert_eq!(
            yaml_scalar("{{ $labels.x }} is down"),
            "'{{ $labels.x }} is down'"
        );
        assert_eq!(yaml_scalar("it's: odd"), "'it''s: odd'");
        assert_eq!(yaml_scalar("5m"), "5m");
        assert_eq!(yaml_scalar("0.5"), "'0.5'");
    }
}

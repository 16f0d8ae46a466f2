//! End to end: the `pipeline` example as a user runs it, scraped over real TCP, linted by
//! `promtool check metrics`, and scraped by a real Prometheus whose query API must then compute
//! the rate of calls for every stage (`pipeline_stage_total`) and for `run`
//! (`function_calls_total`).
//!
//! These tests need `prometheus` and `promtool` (Debian's `prometheus` package), so they are
//! ignored by default; `scripts/test` installs the package and runs them with
//! `--include-ignored`. A missing binary fails the test: it never passes by skipping.

mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::examples::Served;
use support::exposition::{self, Sample};
use support::http;
use support::process::{ChildGuard, poll, require_on_path};
use support::prometheus;
use support::scratch::ScratchDir;
use support::tools::promtool_check;

/// The instrumented functions of the example, by their `function` label.
const STAGES: [&str; 4] = ["extract", "transform", "load", "run"];

/// The family base of each instrumented function: the stages share `name = "pipeline_stage"`,
/// `run` keeps the default.
fn family(function: &str) -> &'static str {
    if function == "run" {
        "function_calls"
    } else {
        "pipeline_stage"
    }
}

/// Faults frequent enough that errors in every stage and a panic in `transform` show up within a
/// few seconds (the example runs about ten pipelines a second).
const FAILURE_RATE: &str = "0.25";
const PANIC_RATE: &str = "0.2";

/// Bounds every wait: the pipeline starting, faults appearing, Prometheus starting and scraping.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);
const FAULTS_LIMIT: Duration = Duration::from_secs(20);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

#[test]
#[ignore = "needs prometheus and promtool; run by scripts/test"]
fn metrics_endpoint_serves_every_stage_and_result() {
    let scratch = ScratchDir::new("e2e-endpoint");
    let mut pipeline = start_pipeline(&scratch);

    let response = http::get(pipeline.addr, "/metrics")
        .unwrap_or_else(|error| panic!("{error}\n{}", pipeline.process.output()));
    assert_eq!(response.status, 200, "GET /metrics: {response:?}");
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "Content-Type of /metrics is {content_type:?}"
    );

    let text = scrape_until_every_result_shows(&mut pipeline);
    let types = exposition::types(&text);
    let helps = exposition::helps(&text);
    for (family, kind) in [
        ("function_calls_total", "counter"),
        ("function_calls_duration_seconds", "histogram"),
        ("function_calls_in_flight", "gauge"),
        ("pipeline_stage_total", "counter"),
        ("pipeline_stage_duration_seconds", "histogram"),
        ("pipeline_stage_in_flight", "gauge"),
    ] {
        assert_eq!(
            types.get(family).map(String::as_str),
            Some(kind),
            "# TYPE of {family}\n{text}"
        );
        assert!(
            helps.get(family).is_some_and(|help| !help.is_empty()),
            "no # HELP for {family}\n{text}"
        );
    }
    let samples = exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    for sample in samples.iter().filter(|sample| {
        sample.name.starts_with("function_calls_") || sample.name.starts_with("pipeline_stage_")
    }) {
        assert_eq!(
            sample.label("module"),
            "pipeline",
            "module label of {sample:?}"
        );
    }
    for sample in samples
        .iter()
        .filter(|sample| sample.name.starts_with("pipeline_stage_"))
    {
        assert_eq!(
            (sample.label("pipeline"), sample.label("stage")),
            ("ingest", sample.label("function")),
            "literal labels of {sample:?}"
        );
    }
    for stage in STAGES {
        let of_stage = |suffix: &'static str| {
            let name = format!("{}{suffix}", family(stage));
            samples
                .iter()
                .filter(move |sample| sample.name == name && sample.label("function") == stage)
        };
        let buckets: Vec<&Sample> = of_stage("_duration_seconds_bucket").collect();
        assert!(
            buckets.len() > 1,
            "{stage}: the duration histogram has real buckets, not a summary\n{text}"
        );
        assert!(
            buckets.iter().any(|bucket| bucket.label("le") == "+Inf"),
            "{stage}: no +Inf bucket\n{text}"
        );
        let count = of_stage("_duration_seconds_count")
            .map(|sample| sample.value)
            .sum::<f64>();
        assert!(
            count > 0.0,
            "{stage}: _duration_seconds_count is {count}\n{text}"
        );
        assert_eq!(
            of_stage("_duration_seconds_sum").count(),
            1,
            "{stage}: no _sum\n{text}"
        );
        let in_flight: Vec<&Sample> = of_stage("_in_flight").collect();
        assert_eq!(in_flight.len(), 1, "{stage}: _in_flight\n{text}");
        assert!(
            (0.0..=1.0).contains(&in_flight[0].value),
            "{stage}: the pipeline runs one call at a time: {:?}",
            in_flight[0]
        );
    }
}

#[test]
#[ignore = "needs prometheus and promtool; run by scripts/test"]
fn promtool_finds_nothing_to_lint() {
    let scratch = ScratchDir::new("e2e-promtool");
    let mut pipeline = start_pipeline(&scratch);
    // Lint the output once every series (errors and panics included) exists.
    let text = scrape_until_every_result_shows(&mut pipeline);

    promtool_check(&text)
        .unwrap_or_else(|findings| panic!("{findings}\n--- the scraped text ---\n{text}"));
}

#[test]
#[ignore = "needs prometheus and promtool; run by scripts/test"]
fn prometheus_scrapes_the_pipeline_and_computes_rates_per_stage() {
    let prometheus_binary = require_on_path("prometheus", "prometheus");
    let scratch = ScratchDir::new("e2e-prometheus");
    let mut pipeline = start_pipeline(&scratch);
    let mut prometheus = Prometheus::start(&prometheus_binary, &scratch, pipeline.addr);

    let targets = poll(STARTUP_LIMIT, POLL_INTERVAL, || {
        let targets = prometheus.api("/api/v1/targets?state=active")?;
        let active = targets["data"]["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        match active.as_slice() {
            [target] if target["health"] == "up" => Ok(targets),
            _ => Err(format!("the pipeline target is not up yet: {targets}")),
        }
    })
    .unwrap_or_else(|error| {
        panic!(
            "{error}\n{}\n{}",
            prometheus.process.output(),
            pipeline.process.output()
        )
    });
    assert_eq!(
        targets["data"]["activeTargets"][0]["labels"]["job"], "pipeline",
        "{targets}"
    );

    // `rate` needs two scrapes inside the window: a few seconds at a 1 s scrape interval.
    let query = format!(
        "/api/v1/query?query={}",
        http::encode_query_value(
            r#"rate({__name__=~"pipeline_stage_total|function_calls_total"}[1m])"#
        )
    );
    let answer = poll(STARTUP_LIMIT, POLL_INTERVAL, || {
        let answer = prometheus.api(&query)?;
        let missing = stages_without_positive_rate(&answer);
        if missing.is_empty() {
            Ok(answer)
        } else {
            Err(format!("no positive rate yet for {missing:?}: {answer}"))
        }
    })
    .unwrap_or_else(|error| {
        panic!(
            "{error}\n{}\n{}",
            prometheus.process.output(),
            pipeline.process.output()
        )
    });

    assert_eq!(answer["data"]["resultType"], "vector", "{answer}");
    let series = answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!series.is_empty(), "{answer}");
    for one in &series {
        assert_eq!(one["metric"]["job"], "pipeline", "{one}");
        assert_eq!(one["metric"]["module"], "pipeline", "{one}");
        assert!(
            one["metric"]["result"].as_str().is_some_and(|result| [
                "ok",
                "error",
                "panic",
                "cancelled"
            ]
            .contains(&result)),
            "{one}"
        );
    }
    let functions: BTreeSet<&str> = series
        .iter()
        .filter_map(|one| one["metric"]["function"].as_str())
        .collect();
    assert_eq!(functions, BTreeSet::from(STAGES), "{answer}");
}

/// The stages whose rate of calls, summed over results, is not yet above zero in a query answer.
fn stages_without_positive_rate(answer: &Value) -> Vec<&'static str> {
    let series = answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    STAGES
        .into_iter()
        .filter(|stage| {
            let total: f64 = series
                .iter()
                .filter(|one| one["metric"]["function"] == *stage)
                .filter_map(|one| {
                    one["value"][1]
                        .as_str()
                        .and_then(|value| value.parse::<f64>().ok())
                })
                .sum();
            total.is_nan() || total <= 0.0
        })
        .collect()
}

/// The example running in the background with its fault rates, serving `/metrics` on a loopback
/// port.
fn start_pipeline(scratch: &ScratchDir) -> Served {
    let faults = [
        ("PIPELINE_FAILURE_RATE", FAILURE_RATE),
        ("PIPELINE_PANIC_RATE", PANIC_RATE),
    ];
    Served::start(scratch, "pipeline", &faults)
}

/// Scrapes `/metrics` until every stage has `ok` and `error` results and `transform` has
/// panicked at least once; returns that scrape. The stages' errors carry the variant of their
/// error enum (`error="timeout"`, ...), `run`'s do not.
fn scrape_until_every_result_shows(pipeline: &mut Served) -> String {
    let addr = pipeline.addr;
    poll(FAULTS_LIMIT, POLL_INTERVAL, || {
        let text = http::get(addr, "/metrics")?.text()?;
        let samples = exposition::parse(&text)?;
        let calls = |function: &str, result: &str| {
            let name = format!("{}_total", family(function));
            samples
                .iter()
                .filter(|sample| sample.name == name)
                .filter(|sample| {
                    sample.label("function") == function && sample.label("result") == result
                })
                .map(|sample| sample.value)
                .sum::<f64>()
        };
        let mut missing: Vec<String> = STAGES
            .iter()
            .flat_map(|stage| [(*stage, "ok"), (*stage, "error")])
            .chain([("transform", "panic")])
            .filter(|(function, result)| calls(function, result) < 1.0)
            .map(|(function, result)| format!("{function}/{result}"))
            .collect();
        if calls("run", "panic") > 0.0 {
            missing.push("run/panic should stay 0: the panic is caught inside run".into());
        }
        let unlabelled_errors: Vec<&Sample> = samples
            .iter()
            .filter(|sample| sample.name == "pipeline_stage_total")
            .filter(|sample| sample.label("result") == "error" && sample.label("error").is_empty())
            .filter(|sample| sample.value > 0.0)
            .collect();
        if !unlabelled_errors.is_empty() {
            missing.push(format!(
                "stage errors without their variant: {unlabelled_errors:?}"
            ));
        }
        if missing.is_empty() {
            Ok(text)
        } else {
            Err(format!("missing {missing:?} in\n{text}"))
        }
    })
    .unwrap_or_else(|error| panic!("{error}\n{}", pipeline.process.output()))
}

/// A real Prometheus scraping the pipeline every second, on a loopback port, with its storage in
/// the scratch directory.
struct Prometheus {
    addr: SocketAddr,
    process: ChildGuard,
}

impl Prometheus {
    fn start(binary: &Path, scratch: &ScratchDir, target: SocketAddr) -> Prometheus {
        let config = scratch.join("prometheus.yml");
        let yaml = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: pipeline\n    static_configs:\n      - targets: ['{target}']\n"
        );
        std::fs::write(&config, yaml)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", config.display()));
        let (addr, process) = prometheus::start(binary, scratch, &config);
        Prometheus { addr, process }
    }

    /// A successful answer of the HTTP API, as JSON.
    fn api(&self, target: &str) -> Result<Value, String> {
        prometheus::api(self.addr, target)
    }
}

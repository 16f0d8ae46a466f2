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
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::exposition::{self, Sample};
use support::http;
use support::process::{ChildGuard, free_loopback_addr, poll, require_on_path};
use support::scratch::ScratchDir;

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
    let mut pipeline = Pipeline::start(&scratch);

    let response = http::get(pipeline.addr, "/metrics")
        .unwrap_or_else(|error| panic!("{error}\n{}", pipeline.process.output()));
    assert_eq!(response.status, 200, "GET /metrics: {response:?}");
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "Content-Type of /metrics is {content_type:?}"
    );

    let text = pipeline.scrape_until_every_result_shows();
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
    let promtool = require_on_path("promtool", "prometheus");
    let scratch = ScratchDir::new("e2e-promtool");
    let mut pipeline = Pipeline::start(&scratch);
    // Lint the output once every series (errors and panics included) exists.
    let text = pipeline.scrape_until_every_result_shows();

    let mut check = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", promtool.display()));
    if let Some(mut stdin) = check.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .unwrap_or_else(|error| panic!("cannot write to promtool: {error}"));
    }
    let output = check
        .wait_with_output()
        .unwrap_or_else(|error| panic!("promtool did not finish: {error}"));
    let findings = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && findings.is_empty(),
        "promtool check metrics exited with {} and reported:\n{findings}\n--- the scraped text ---\n{text}",
        output.status
    );
}

#[test]
#[ignore = "needs prometheus and promtool; run by scripts/test"]
fn prometheus_scrapes_the_pipeline_and_computes_rates_per_stage() {
    let prometheus_binary = require_on_path("prometheus", "prometheus");
    let scratch = ScratchDir::new("e2e-prometheus");
    let mut pipeline = Pipeline::start(&scratch);
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

/// The example running in the background, serving `/metrics` on a loopback port.
struct Pipeline {
    addr: SocketAddr,
    process: ChildGuard,
}

impl Pipeline {
    /// Starts the example and waits until `/metrics` answers. The free port can be taken by
    /// another process between our probe and the example's bind, so a start whose process exits
    /// is retried on a new port, a few times.
    fn start(scratch: &ScratchDir) -> Pipeline {
        let binary = pipeline_binary();
        for attempt in 1..=3 {
            let addr = free_loopback_addr();
            let mut command = Command::new(binary);
            clear_metrics_environment(&mut command);
            command
                .env("METRICS_ADDR", addr.to_string())
                .env("PIPELINE_FAILURE_RATE", FAILURE_RATE)
                .env("PIPELINE_PANIC_RATE", PANIC_RATE)
                .env("RUST_BACKTRACE", "0");
            let mut process =
                ChildGuard::spawn(&format!("pipeline-{attempt}"), command, scratch.path());
            let started = poll(STARTUP_LIMIT, POLL_INTERVAL, || match process.exited() {
                Some(status) => Ok(Err(status)),
                None => http::get(addr, "/health").map(|_| Ok(())),
            });
            match started {
                Ok(Ok(())) => return Pipeline { addr, process },
                Ok(Err(status)) if attempt < 3 => {
                    eprintln!("pipeline exited with {status} on {addr}; retrying on another port")
                }
                Ok(Err(_)) => panic!("the pipeline example did not start:\n{}", process.output()),
                Err(error) => panic!(
                    "the pipeline example did not answer on {addr}: {error}\n{}",
                    process.output()
                ),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Scrapes `/metrics` until every stage has `ok` and `error` results and `transform` has
    /// panicked at least once; returns that scrape. The stages' errors carry the variant of their
    /// error enum (`error="timeout"`, ...), `run`'s do not.
    fn scrape_until_every_result_shows(&mut self) -> String {
        let addr = self.addr;
        poll(FAULTS_LIMIT, POLL_INTERVAL, || {
            let response = http::get(addr, "/metrics")?;
            let samples = exposition::parse(&response.body)?;
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
                .filter(|sample| {
                    sample.label("result") == "error" && sample.label("error").is_empty()
                })
                .filter(|sample| sample.value > 0.0)
                .collect();
            if !unlabelled_errors.is_empty() {
                missing.push(format!(
                    "stage errors without their variant: {unlabelled_errors:?}"
                ));
            }
            if missing.is_empty() {
                Ok(response.body)
            } else {
                Err(format!("missing {missing:?} in\n{}", response.body))
            }
        })
        .unwrap_or_else(|error| panic!("{error}\n{}", self.process.output()))
    }
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
        for attempt in 1..=3 {
            let addr = free_loopback_addr();
            let storage = scratch.join(&format!("tsdb-{attempt}"));
            let mut command = Command::new(binary);
            command
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.tsdb.path={}", storage.display()))
                .arg(format!("--web.listen-address={addr}"))
                .current_dir(scratch.path());
            let mut process =
                ChildGuard::spawn(&format!("prometheus-{attempt}"), command, scratch.path());
            let ready = poll(STARTUP_LIMIT, POLL_INTERVAL, || match process.exited() {
                Some(status) => Ok(Err(status)),
                None => match http::get(addr, "/-/ready")? {
                    response if response.status == 200 => Ok(Ok(())),
                    response => Err(format!("/-/ready answered {}", response.status)),
                },
            });
            match ready {
                Ok(Ok(())) => return Prometheus { addr, process },
                Ok(Err(status)) if attempt < 3 => {
                    eprintln!("prometheus exited with {status} on {addr}; retrying on another port")
                }
                Ok(Err(_)) => panic!("prometheus did not start:\n{}", process.output()),
                Err(error) => panic!(
                    "prometheus did not get ready on {addr}: {error}\n{}",
                    process.output()
                ),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// A successful answer of the HTTP API, as JSON.
    fn api(&self, target: &str) -> Result<Value, String> {
        let response = http::get(self.addr, target)?;
        let json: Value = serde_json::from_str(&response.body)
            .map_err(|error| format!("{target}: {error}: {}", response.body))?;
        if response.status != 200 || json["status"] != "success" {
            return Err(format!("{target} answered {}: {json}", response.status));
        }
        Ok(json)
    }
}

/// Variables of the exporter and the example set in the test's own environment would change
/// names, labels or failure rates; the example runs with only what the test sets.
fn clear_metrics_environment(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("METRICS_") || name.starts_with("PIPELINE_") || name == "ENABLE_METRICS"
        {
            command.env_remove(name.as_ref());
        }
    }
}

/// The `pipeline` binary, built once per test run.
///
/// `env!("CARGO_BIN_EXE_pipeline")` exists only in the package that defines the binary, and this
/// is another package. Guessing the path under the target directory breaks with `--target`,
/// `CARGO_TARGET_DIR` or a custom profile, and may find a stale binary. So the test asks the
/// cargo that runs it to build the binary, with the same environment (so the same target
/// directory), and reads the path from cargo's JSON messages.
///
/// It builds `--workspace --bins --tests` rather than only `-p instrument-metrics-examples`:
/// cargo unifies features over the packages and targets it builds, so a build of the example
/// alone would compile its dependencies again with fewer features. This selection has the same
/// features as `cargo test --workspace --all-targets` (scripts/test), so there it finds
/// everything fresh and takes about a second; run alone, it builds the workspace's tests first.
fn pipeline_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or_else(|| Path::new(".."));
        let mut command = Command::new(cargo);
        command
            .current_dir(workspace)
            .args([
                "build",
                "--quiet",
                "--message-format=json-render-diagnostics",
            ])
            .args(["--workspace", "--bins", "--tests"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if built_in_release() {
            command.arg("--release");
        }
        let started = Instant::now();
        let output = command.output().unwrap_or_else(|error| {
            panic!("cannot run cargo to build the pipeline example: {error}")
        });
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "building the pipeline example failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let executable = stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|message| {
                message["reason"] == "compiler-artifact"
                    && message["target"]["name"] == "pipeline"
                    && message["target"]["kind"] == serde_json::json!(["bin"])
                    && message["profile"]["test"] == false
            })
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| {
                panic!("cargo built the workspace but named no pipeline executable:\n{stdout}")
            });
        eprintln!(
            "pipeline example: {} (cargo build took {:?})",
            executable.display(),
            started.elapsed()
        );
        executable
    })
}

/// Whether this test binary lives in a `release` profile directory.
fn built_in_release() -> bool {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|profile| profile == "release")
}

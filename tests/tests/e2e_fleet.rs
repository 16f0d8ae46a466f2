//! A fleet on loopback: three instances of the pipeline example and one http_service, scraped
//! every second by one real Prometheus that loads every generated rule file (the objectives' and
//! job health's too: they evaluate cleanly next to the others, and no job is stale).
//! Every panel query of both dashboards and every rule expression runs through Prometheus's
//! HTTP API and answers with data of the expected shape, the error ratios are 0 (not NaN) once
//! the fleet is idle, and Prometheus's fleet-wide sum of calls equals what the instances
//! counted themselves.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, PipeReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::dashboards::{
    all_value, dashboards_dir, label_values_query, panel_queries, read, read_json, substitute,
    variables,
};
use support::examples;
use support::exposition;
use support::http::{self, encode_query_value, post};
use support::process::{ChildGuard, free_loopback_addr, poll, require_on_path};
use support::prometheus;
use support::rules::{Rule, RuleKind, rules};
use support::scratch::ScratchDir;

/// Pipeline instances in the fleet.
const PIPELINES: usize = 3;
/// Runs each pipeline makes: about four seconds at the example's ten-odd runs a second, while
/// Prometheus scrapes it, and well under the example's 10 s progress report (see
/// [`HeldPipeline`] for why that matters).
const RUNS: u64 = 50;
const STARTUP_LIMIT: Duration = Duration::from_secs(30);
const SETTLE_LIMIT: Duration = Duration::from_secs(20);
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long HTTP traffic is sent to http_service, while Prometheus scrapes it.
const TRAFFIC: Duration = Duration::from_secs(3);
/// The rate window of the "idle" check: the fleet has been idle for longer than this.
const IDLE_WINDOW: &str = "5s";
const IDLE_WAIT: Duration = Duration::from_secs(7);

#[test]
#[ignore = "needs prometheus; run by scripts/test"]
fn a_fleet_answers_every_dashboard_and_rule_query_and_sums_its_calls() {
    let prometheus_binary = require_on_path("prometheus", "prometheus");
    // Built before anything starts, so the build does not count against the waits below.
    examples::binary("pipeline");
    examples::binary("http_service");
    let started = Instant::now();
    let scratch = ScratchDir::new("e2e-fleet");

    // Prometheus starts first, with the ports it will scrape, so that it sees the pipelines
    // from their first second on: rates need samples taken while the counters grow.
    let mut targets = Targets {
        pipelines: (0..PIPELINES).map(|_| free_loopback_addr()).collect(),
        http_service: free_loopback_addr(),
    };
    let prometheus = Prometheus::start(&prometheus_binary, &scratch, &targets);
    // Prometheus hands discovered targets to its scrapers every 5 s: wait for that, or the
    // pipelines would be half done before their first scrape.
    prometheus.wait_until_targets_are_discovered(&targets);
    let pipelines: Vec<HeldPipeline> = (0..PIPELINES)
        .map(|index| {
            let mut attempt = 0;
            loop {
                attempt += 1;
                match HeldPipeline::start(&scratch, index, targets.pipelines[index]) {
                    Ok(pipeline) => break pipeline,
                    Err(why) if attempt < 3 => {
                        // Another process took the port: move the target and tell Prometheus.
                        eprintln!("{why}; retrying on another port");
                        targets.pipelines[index] = free_loopback_addr();
                        prometheus.reload(&scratch, &targets);
                    }
                    Err(why) => panic!("{why}"),
                }
            }
        })
        .collect();
    let mut attempt = 0;
    let http_service = loop {
        attempt += 1;
        match HttpService::start(&scratch, targets.http_service) {
            Ok(service) => break service,
            Err(why) if attempt < 3 => {
                eprintln!("{why}; retrying on another port");
                targets.http_service = free_loopback_addr();
                prometheus.reload(&scratch, &targets);
            }
            Err(why) => panic!("{why}"),
        }
    };
    prometheus.wait_until_every_target_is_up(&targets);

    // HTTP traffic for a few seconds after the first scrape, so every route's counters grow
    // between samples. The pipelines run meanwhile.
    http_service.drive(TRAFFIC);
    let http_calls = http_service.own_calls();

    // Every pipeline has made its runs and holds; its counts are final.
    let pipeline_calls: Vec<BTreeMap<String, f64>> = pipelines
        .iter()
        .map(HeldPipeline::wait_until_held)
        .collect();
    let idle_since = Instant::now();

    // The fleet-wide sums in Prometheus equal what the instances counted, per family and per
    // instance, once it has scraped them after they held (within a scrape interval or two).
    let mut own: BTreeMap<(String, String), f64> = BTreeMap::new();
    for (instance, families) in pipelines
        .iter()
        .map(|pipeline| pipeline.addr.to_string())
        .zip(&pipeline_calls)
        .chain([(http_service.metrics.to_string(), &http_calls)])
    {
        for (family, calls) in families {
            own.insert((instance.clone(), family.clone()), *calls);
        }
    }
    let scraped = poll(SETTLE_LIMIT, POLL_INTERVAL, || {
        let answer = prometheus.instant(&format!("sum by (instance, __name__) ({CALLS})"))?;
        let scraped: BTreeMap<(String, String), f64> = vector(&answer)
            .iter()
            .map(|series| {
                (
                    (label(series, "instance"), label(series, "__name__")),
                    value(series),
                )
            })
            .collect();
        if scraped == own {
            Ok(scraped)
        } else {
            Err(format!(
                "Prometheus has {scraped:?}, the instances counted {own:?}"
            ))
        }
    })
    .unwrap_or_else(|why| panic!("{why}\n{}", prometheus.output()));
    let mut fleet_own: BTreeMap<String, f64> = BTreeMap::new();
    for families in &pipeline_calls {
        for (family, calls) in families {
            *fleet_own.entry(family.clone()).or_insert(0.0) += calls;
        }
    }
    let fleet: BTreeMap<String, f64> = vector(
        &prometheus
            .instant(r#"sum by (__name__) ({__name__=~".+_total", function!="", job="pipeline"})"#)
            .unwrap_or_else(|why| panic!("{why}")),
    )
    .iter()
    .map(|series| (label(series, "__name__"), value(series)))
    .collect();
    assert_eq!(
        fleet, fleet_own,
        "fleet-wide calls of the pipelines, per family (per instance: {scraped:?})"
    );
    assert!(
        fleet_own.values().sum::<f64>() > (RUNS * PIPELINES as u64) as f64,
        "{fleet_own:?}"
    );
    let runs = single_value(
        &prometheus
            .instant(r#"sum(function_calls_total{job="pipeline", function="run"})"#)
            .unwrap_or_else(|why| panic!("{why}")),
    );
    assert_eq!(
        runs,
        (RUNS * PIPELINES as u64) as f64,
        "each pipeline ran exactly PIPELINE_ITERATIONS={RUNS} times"
    );

    // The rules are loaded and healthy, and every recorded series has data.
    let rule_files: Vec<(String, Vec<Rule>)> = RULE_FILES
        .into_iter()
        .map(|file| (file.to_owned(), rules(&read(&dashboards_dir().join(file)))))
        .collect();
    let all_rules: Vec<&Rule> = rule_files.iter().flat_map(|(_, rules)| rules).collect();
    prometheus.assert_rules_healthy(all_rules.len());
    // The fleet declares no objective, so only the per-function and per-route series must exist.
    let needs_data =
        |file: &str, rule: &Rule| rule.kind == RuleKind::Record && file == RULE_FILES[0];
    for rule in rule_files
        .iter()
        .flat_map(|(file, rules)| rules.iter().filter(|rule| needs_data(file, rule)))
    {
        poll(SETTLE_LIMIT, POLL_INTERVAL, || {
            let answer = prometheus.instant(&rule.name)?;
            if vector(&answer).is_empty() {
                Err(format!("{} has no series yet", rule.name))
            } else {
                Ok(())
            }
        })
        .unwrap_or_else(|why| panic!("{why}"));
    }

    // Every rule expression answers a vector; recording expressions have data; no target is
    // down, so InstanceDown's expression is empty.
    let mut checked = 0;
    for (file, rules) in &rule_files {
        for rule in rules {
            let answer = prometheus
                .instant(&rule.expr)
                .unwrap_or_else(|why| panic!("{file}: {}: {why}", rule.name));
            assert_eq!(answer["data"]["resultType"], "vector", "{}", rule.name);
            let series = vector(&answer);
            match rule.kind {
                RuleKind::Record if needs_data(file, rule) => {
                    assert!(!series.is_empty(), "{file}: {} is empty", rule.name)
                }
                RuleKind::Record => {}
                RuleKind::Alert if rule.name == "InstanceDown" => {
                    assert!(series.is_empty(), "every target is up: {answer}")
                }
                RuleKind::Alert if rule.name == "JobStale" => {
                    assert!(series.is_empty(), "no job is stale: {answer}")
                }
                RuleKind::Alert => {}
            }
            checked += 1;
        }
    }

    // The families the `$family` variable offers: `function_calls` (`run`, the http_service
    // handlers) and whatever the examples name (`pipeline_stage`).
    let families: Vec<String> = prometheus
        .api(&format!(
            "/api/v1/label/__name__/values?match[]={}",
            encode_query_value(CALLS)
        ))
        .unwrap_or_else(|why| panic!("{why}"))["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str()?.strip_suffix("_total").map(str::to_owned))
        .collect();
    assert!(
        families.iter().any(|family| family == "function_calls"),
        "{families:?}"
    );

    // Every panel query of both dashboards (the functions one for every family), with every
    // variable at "All": graphs as range queries (a matrix), tables and stats as instant
    // queries (a vector), none empty.
    let dashboards = [
        ("functions.json", families.clone()),
        ("http.json", vec![String::new()]),
    ];
    for (file, families) in &dashboards {
        let dashboard = read_json(&dashboards_dir().join(file));
        for family in families {
            let value_of = |name: &str| {
                if name == "family" {
                    Some(family.as_str())
                } else {
                    all_value(name)
                }
            };
            for query in panel_queries(&dashboard) {
                let context = format!("{file} ({family}): {} ({})", query.panel, query.ref_id);
                let expr = substitute(&query.expr, value_of).unwrap_or_else(|why| panic!("{why}"));
                let answer = if query.instant {
                    prometheus.instant(&expr)
                } else {
                    prometheus.range(&expr, 60)
                }
                .unwrap_or_else(|why| panic!("{context}: {why}"));
                let shape = if query.instant { "vector" } else { "matrix" };
                assert_eq!(answer["data"]["resultType"], shape, "{context}: {answer}");
                assert!(!vector(&answer).is_empty(), "{context}: no data for {expr}");
                if is_ratio(&query.panel) {
                    let values = values(&answer);
                    assert!(
                        values.iter().all(|ratio| (0.0..=1.0).contains(ratio)),
                        "{context}: a ratio outside [0, 1] (NaN included): {answer}"
                    );
                    assert!(
                        values.iter().any(|ratio| *ratio > 0.0),
                        "{context}: the fleet fails now and then, yet every ratio is 0: {answer}"
                    );
                }
                checked += 1;
            }
        }

        // The variables' own queries find values.
        for variable in variables(&dashboard) {
            let Some((selector, label)) = label_values_query(&variable) else {
                continue;
            };
            let selector = substitute(&selector, all_value).unwrap_or_else(|why| panic!("{why}"));
            let answer = prometheus
                .api(&format!(
                    "/api/v1/label/{label}/values?match[]={}",
                    encode_query_value(&selector)
                ))
                .unwrap_or_else(|why| panic!("{file}: ${}: {why}", variable["name"]));
            let found: Vec<&str> = answer["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            assert!(
                !found.is_empty(),
                "{file}: ${} finds nothing",
                variable["name"]
            );
            checked += 1;
        }
    }

    // Idle: with a window shorter than the time since the last call, every error ratio is 0,
    // not NaN and not missing.
    thread::sleep(IDLE_WAIT.saturating_sub(idle_since.elapsed()));
    for file in ["functions.json", "http.json"] {
        let dashboard = read_json(&dashboards_dir().join(file));
        for query in panel_queries(&dashboard)
            .into_iter()
            .filter(|query| is_ratio(&query.panel))
        {
            let expr = substitute(&query.expr, |name| match name {
                "__rate_interval" | "__range" => Some(IDLE_WINDOW),
                other => all_value(other),
            })
            .unwrap_or_else(|why| panic!("{why}"));
            let answer = prometheus
                .instant(&expr)
                .unwrap_or_else(|why| panic!("{file}: {}: {why}", query.panel));
            let values = values(&answer);
            assert!(
                !values.is_empty() && values.iter().all(|ratio| *ratio == 0.0),
                "{file}: {} over an idle {IDLE_WINDOW} should be all 0: {answer}",
                query.panel
            );
            checked += 1;
        }
    }
    eprintln!(
        "checked {checked} queries against a fleet of {} targets in {:?}",
        PIPELINES + 1,
        started.elapsed()
    );
}

/// The calls counters of every function family an instance serves, as (family counter,
/// function, value): the `_total` samples with a `function` label (`function_calls_total`,
/// `pipeline_stage_total`, ...; HTTP counters have none).
fn own_calls(addr: SocketAddr) -> Result<Vec<(String, String, f64)>, String> {
    let text = http::get(addr, "/metrics")?.text()?;
    Ok(exposition::parse(&text)?
        .into_iter()
        .filter(|sample| sample.name.ends_with("_total") && !sample.label("function").is_empty())
        .map(|sample| {
            let function = sample.label("function").to_owned();
            (sample.name, function, sample.value)
        })
        .collect())
}

fn by_family(calls: &[(String, String, f64)]) -> BTreeMap<String, f64> {
    let mut families = BTreeMap::new();
    for (family, _, value) in calls {
        *families.entry(family.clone()).or_insert(0.0) += value;
    }
    families
}

/// Every rule file the generator writes, the per-function and per-route recording rules first.
const RULE_FILES: [&str; 4] = [
    "recording_rules.yml",
    "alert_rules.yml",
    "slo_rules.yml",
    "job_health_rules.yml",
];

/// Every calls counter of every function family, the selector of the `$family` variable.
const CALLS: &str = r#"{__name__=~".+_total", function!=""}"#;

fn is_ratio(panel: &str) -> bool {
    panel.contains("ratio") || panel.contains("failing")
}

fn vector(answer: &Value) -> Vec<Value> {
    answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn label(series: &Value, name: &str) -> String {
    series["metric"][name]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn parse_value(pair: &Value) -> f64 {
    pair[1]
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or(f64::NAN)
}

fn value(series: &Value) -> f64 {
    parse_value(&series["value"])
}

/// Every sample of a vector or matrix answer.
fn values(answer: &Value) -> Vec<f64> {
    vector(answer)
        .iter()
        .flat_map(|series| match series["values"].as_array() {
            Some(points) => points.iter().map(parse_value).collect(),
            None => vec![value(series)],
        })
        .collect()
}

fn single_value(answer: &Value) -> f64 {
    match vector(answer).as_slice() {
        [series] => value(series),
        other => panic!("expected one series, got {other:?}"),
    }
}

/// Where the fleet listens.
struct Targets {
    pipelines: Vec<SocketAddr>,
    http_service: SocketAddr,
}

impl Targets {
    fn config(&self, rule_dir: &Path) -> String {
        let list = |addrs: &[SocketAddr]| {
            addrs
                .iter()
                .map(|addr| format!("'{addr}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n{rule_files}\
             scrape_configs:\n\
             \x20 - job_name: pipeline\n    static_configs:\n      - targets: [{pipelines}]\n\
             \x20 - job_name: http_service\n    static_configs:\n      - targets: [{http}]\n",
            rule_files = RULE_FILES
                .iter()
                .map(|file| format!("  - '{}'\n", rule_dir.join(file).display()))
                .collect::<String>(),
            pipelines = list(&self.pipelines),
            http = list(&[self.http_service]),
        )
    }

    fn all(&self) -> BTreeSet<String> {
        self.pipelines
            .iter()
            .chain([&self.http_service])
            .map(SocketAddr::to_string)
            .collect()
    }
}

/// A pipeline instance that stops after [`RUNS`] runs and then stays up, serving its final
/// counts.
///
/// The example exits after `PIPELINE_ITERATIONS` runs, and its last counts go with it: the
/// last scrape before the exit misses the runs since. So its stdout is a pipe that this test
/// fills and never reads. The example prints one line when it starts (read here) and the
/// next at the very end, after its last run; that `println!` blocks on the full pipe, with the
/// runs done and the exporter's own thread still serving `/metrics`. The example also prints
/// a progress line every 10 s, which would hold it early: [`RUNS`] keeps a run well under that.
struct HeldPipeline {
    addr: SocketAddr,
    name: String,
    child: Child,
    stderr: std::path::PathBuf,
    /// Kept open (and unread) until the child is killed; dropping it then ends the filler.
    _stdout: PipeReader,
}

impl HeldPipeline {
    fn start(scratch: &ScratchDir, index: usize, addr: SocketAddr) -> Result<HeldPipeline, String> {
        let name = format!("pipeline-{}", index + 1);
        let (reader, writer) = std::io::pipe().map_err(|error| format!("pipe: {error}"))?;
        let stderr = scratch.join(&format!("{name}.stderr"));
        let mut command = examples::command("pipeline");
        command
            .env("METRICS_ADDR", addr.to_string())
            .env("PIPELINE_ITERATIONS", RUNS.to_string())
            .env("PIPELINE_FAILURE_RATE", "0.1")
            .env("PIPELINE_PANIC_RATE", "0.05")
            .env("PIPELINE_SEED", (index + 1).to_string())
            .stdin(Stdio::null())
            .stdout(
                writer
                    .try_clone()
                    .map_err(|error| format!("pipe: {error}"))?,
            )
            .stderr(
                File::create(&stderr)
                    .map_err(|error| format!("cannot create {}: {error}", stderr.display()))?,
            );
        let child = command
            .spawn()
            .map_err(|error| format!("cannot start {name}: {error}"))?;
        // Killed on every way out until it is handed to the `HeldPipeline`.
        let mut guard = KillOnDrop(Some(child));
        let served = poll(STARTUP_LIMIT, POLL_INTERVAL, || {
            match guard.child().try_wait() {
                Ok(Some(status)) => Ok(Err(status)),
                _ => http::get(addr, "/health").map(|_| Ok(())),
            }
        })
        .map_err(|why| format!("{name} did not answer on {addr}: {why}"))?;
        if let Err(status) = served {
            drop(writer);
            return Err(format!(
                "{name} exited with {status} on {addr}: {}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            ));
        }
        // The line the example prints when it starts; a reader thread, because a read on a
        // pipe that stays open has no timeout.
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            let read = lines.read_line(&mut line);
            let _ = sender.send((lines.into_inner(), line, read.is_ok()));
        });
        let (reader, line, _) = receiver
            .recv_timeout(STARTUP_LIMIT)
            .map_err(|_| format!("{name} printed nothing on stdout"))?;
        if !line.contains("serving metrics at") {
            return Err(format!("{name} started with {line:?}"));
        }
        // Fill the pipe a byte at a time, so that not even a short line fits any more; the
        // write that finds it full blocks until the reader is dropped, then fails.
        thread::spawn(move || {
            let mut writer = writer;
            while writer.write(b".").is_ok() {}
        });
        Ok(HeldPipeline {
            addr,
            name,
            child: guard.disarm(),
            stderr,
            _stdout: reader,
        })
    }

    /// Waits until the pipeline has made its [`RUNS`] runs; returns the calls it counted, by
    /// family.
    fn wait_until_held(&self) -> BTreeMap<String, f64> {
        let runs = || -> Result<f64, String> {
            Ok(own_calls(self.addr)?
                .iter()
                .filter(|(family, function, _)| {
                    family == "function_calls_total" && function == "run"
                })
                .map(|(_, _, calls)| calls)
                .sum())
        };
        poll(SETTLE_LIMIT, POLL_INTERVAL, || match runs()? {
            runs if runs == RUNS as f64 => Ok(()),
            runs => Err(format!("{} has made {runs} of {RUNS} runs", self.name)),
        })
        .unwrap_or_else(|why| {
            panic!(
                "{why}\n{}",
                std::fs::read_to_string(&self.stderr).unwrap_or_default()
            )
        });
        let calls = || by_family(&own_calls(self.addr).unwrap_or_else(|why| panic!("{why}")));
        let total = calls();
        thread::sleep(Duration::from_millis(300));
        assert_eq!(
            calls(),
            total,
            "{} still counts calls after its last run",
            self.name
        );
        total
    }
}

impl Drop for HeldPipeline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child killed on drop, until it is handed on.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("a child until disarmed")
    }

    fn disarm(mut self) -> Child {
        self.0.take().expect("a child until disarmed")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The http_service example: its routes on `app`, `/metrics` on `metrics`.
struct HttpService {
    app: SocketAddr,
    metrics: SocketAddr,
    /// Killed when the test ends.
    _process: ChildGuard,
}

impl HttpService {
    fn start(scratch: &ScratchDir, metrics: SocketAddr) -> Result<HttpService, String> {
        let app = free_loopback_addr();
        let mut command = examples::command("http_service");
        command
            .env("APP_ADDR", app.to_string())
            .env("METRICS_ADDR", metrics.to_string());
        let mut process = ChildGuard::spawn("http_service", command, scratch.path());
        let started = poll(STARTUP_LIMIT, POLL_INTERVAL, || match process.exited() {
            Some(status) => Ok(Err::<(), ExitStatus>(status)),
            None => {
                http::get(metrics, "/health")?;
                http::get(app, "/health").map(|_| Ok(()))
            }
        });
        match started {
            Ok(Ok(())) => Ok(HttpService {
                app,
                metrics,
                _process: process,
            }),
            Ok(Err(status)) => Err(format!(
                "http_service exited with {status}:\n{}",
                process.output()
            )),
            Err(why) => Err(format!(
                "http_service did not answer: {why}\n{}",
                process.output()
            )),
        }
    }

    /// Requests to every route for `duration`: successes, 404s (matched and unmatched), 500s,
    /// a body, a streamed body and a slow one.
    fn drive(&self, duration: Duration) {
        let started = Instant::now();
        let mut round = 0;
        while started.elapsed() < duration {
            for (path, expected) in [
                ("/", 200),
                ("/users/7", 200),
                ("/users/5000", 404),
                ("/error", 500),
                ("/no/such/route", 404),
                ("/stream", 200),
            ] {
                let response = http::get(self.app, path).unwrap_or_else(|why| panic!("{why}"));
                assert_eq!(response.status, expected, "GET {path}");
            }
            let status =
                post(self.app, "/users", b"name=ada").unwrap_or_else(|why| panic!("{why}"));
            assert_eq!(status, 201, "POST /users");
            if round % 4 == 0 {
                let response = http::get(self.app, "/slow").unwrap_or_else(|why| panic!("{why}"));
                assert_eq!(response.status, 200, "GET /slow");
            }
            round += 1;
            thread::sleep(Duration::from_millis(150));
        }
    }

    /// The calls its instrumented handlers counted, by family.
    fn own_calls(&self) -> BTreeMap<String, f64> {
        by_family(&own_calls(self.metrics).unwrap_or_else(|why| panic!("{why}")))
    }
}

/// A real Prometheus on a loopback port, storage in the scratch directory, rules from
/// `dashboards/`.
struct Prometheus {
    addr: SocketAddr,
    process: std::cell::RefCell<ChildGuard>,
}

impl Prometheus {
    fn config_path(scratch: &ScratchDir) -> std::path::PathBuf {
        scratch.join("prometheus.yml")
    }

    fn write_config(scratch: &ScratchDir, targets: &Targets) {
        let path = Prometheus::config_path(scratch);
        std::fs::write(&path, targets.config(&dashboards_dir()))
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }

    fn start(binary: &Path, scratch: &ScratchDir, targets: &Targets) -> Prometheus {
        Prometheus::write_config(scratch, targets);
        let config = Prometheus::config_path(scratch);
        let (addr, process) = prometheus::start(binary, scratch, &config);
        Prometheus {
            addr,
            process: std::cell::RefCell::new(process),
        }
    }

    fn output(&self) -> String {
        self.process.borrow_mut().output()
    }

    /// Rewrites the configuration for moved targets and has Prometheus reload it.
    fn reload(&self, scratch: &ScratchDir, targets: &Targets) {
        Prometheus::write_config(scratch, targets);
        let status = post(self.addr, "/-/reload", b"").unwrap_or_else(|why| panic!("{why}"));
        assert_eq!(status, 200, "POST /-/reload\n{}", self.output());
    }

    /// A successful answer of the HTTP API, as JSON.
    fn api(&self, target: &str) -> Result<Value, String> {
        prometheus::api(self.addr, target)
    }

    fn instant(&self, expr: &str) -> Result<Value, String> {
        self.api(&format!("/api/v1/query?query={}", encode_query_value(expr)))
            .map_err(|why| format!("{expr}: {why}"))
    }

    /// `expr` over the last `seconds`, a point a second.
    fn range(&self, expr: &str, seconds: u64) -> Result<Value, String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        self.api(&format!(
            "/api/v1/query_range?query={}&start={}&end={now}&step=1",
            encode_query_value(expr),
            now - seconds
        ))
        .map_err(|why| format!("{expr}: {why}"))
    }

    fn wait_until_targets_are_discovered(&self, targets: &Targets) {
        let expected = targets.all();
        poll(STARTUP_LIMIT, POLL_INTERVAL, || {
            let answer = self.api("/api/v1/targets?state=active")?;
            let active: BTreeSet<String> = answer["data"]["activeTargets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|target| target["labels"]["instance"].as_str().map(str::to_owned))
                .collect();
            if active == expected {
                Ok(())
            } else {
                Err(format!("active: {active:?}, expected {expected:?}"))
            }
        })
        .unwrap_or_else(|why| panic!("{why}\n{}", self.output()));
    }

    fn wait_until_every_target_is_up(&self, targets: &Targets) {
        let expected = targets.all();
        poll(STARTUP_LIMIT, POLL_INTERVAL, || {
            let answer = self.api("/api/v1/targets?state=active")?;
            let up: BTreeSet<String> = answer["data"]["activeTargets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|target| target["health"] == "up")
                .filter_map(|target| target["labels"]["instance"].as_str().map(str::to_owned))
                .collect();
            if up == expected {
                Ok(())
            } else {
                Err(format!("up: {up:?}, expected {expected:?}: {answer}"))
            }
        })
        .unwrap_or_else(|why| panic!("{why}\n{}", self.output()));
    }

    /// Every rule of every file is loaded, and its last evaluation succeeded.
    fn assert_rules_healthy(&self, count: usize) {
        prometheus::wait_until_rules_healthy(self.addr, count, SETTLE_LIMIT)
            .unwrap_or_else(|why| panic!("{why}\n{}", self.output()));
    }
}

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
//! | `--min-events N` | failed (slow) calls each window of a burn-rate alert must hold: no traffic never pages, a single error never pages | `5` |
//! | `--job-grace D` | how late a job may succeed after its expected interval before `JobStale` fires | `5m` |
//! | `--window-divisor N` | divide every objective window by N, a divisor of 60 (tests: 60 turns 1h into 60s); names keep the nominal window | `1` |
//! | `--out DIR` | where to write | the repository's `dashboards/` |
//!
//! What it writes:
//!
//! - `functions.json`, `http.json`: Grafana dashboards (schema 39, Grafana 10 and later) with a
//!   Prometheus `datasource` variable, so one file serves every environment. Their latency
//!   panels ask for exemplars and link each one's trace id to the `traces` data source.
//! - `slo.json`: the objectives: targets, error and latency budget left over 30 days, burn rate
//!   per window.
//! - `recording_rules.yml`: per-function and per-route rates, error ratios and p99 latency over
//!   5 minutes, fleet-wide per job.
//! - `alert_rules.yml`: error ratio and p99 latency above the thresholds, and scrape targets
//!   down, each for `--for`. The alerts read the recorded series: load both files.
//! - `slo_rules.yml`: per objective, the error and slow ratios and burn rates over 5m, 30m, 1h,
//!   2h, 6h, 1d and 3d, and the multi-window burn-rate alerts (page at 14.4x over 1h and 5m and
//!   at 6x over 6h and 30m, ticket at 1x over 3d and 6h), each window needing `--min-events`
//!   failed (slow) calls.
//! - `job_health_rules.yml`: `JobStale`, a function with `last_success = "..."` that has not
//!   succeeded within its interval plus `--job-grace` (counted from its process's start until
//!   its first success).
//! - `tests/*.yml`: `promtool test rules` unit tests showing every alert firing and staying
//!   quiet on crafted series, and the recording rules' values (exactly, as floats).
//!
//! The source, one file a job, imports only downwards: `main` writes the files that
//! `functions_dashboard` and `http_dashboard` (on `grafana`), `rules`, and the three
//! `*_unit_test` modules (on `crafted` and `unit_tests`) make; below them are `alerts`,
//! `promql`, `yaml` and `go_format`, and at the bottom `options`.

mod alerts;
mod burn_model;
mod crafted;
mod functions_dashboard;
mod functions_unit_test;
mod go_format;
mod grafana;
mod http_dashboard;
mod http_unit_test;
mod instances_unit_test;
mod job_health;
mod job_health_unit_test;
mod objectives;
mod options;
mod promql;
mod rules;
mod slo_dashboard;
mod slo_rules;
mod slo_unit_test;
mod unit_tests;
mod yaml;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::functions_dashboard::functions_dashboard;
use crate::functions_unit_test::functions_test_file;
use crate::grafana::json_text;
use crate::http_dashboard::http_dashboard;
use crate::http_unit_test::http_test_file;
use crate::instances_unit_test::instances_test_file;
use crate::job_health_unit_test::job_health_test_file;
use crate::options::{Options, USAGE};
use crate::rules::{alert_rules, recording_rules};
use crate::slo_dashboard::slo_dashboard;
use crate::slo_rules::{job_health_rules, slo_rules};
use crate::slo_unit_test::slo_test_file;

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

/// Writes every file under `--out`, in this order, and returns their paths.
fn write_all(options: &Options) -> Result<Vec<PathBuf>, String> {
    let files = [
        ("functions.json", json_text(&functions_dashboard(options))?),
        ("http.json", json_text(&http_dashboard(options))?),
        ("slo.json", json_text(&slo_dashboard(options))?),
        ("recording_rules.yml", recording_rules(options)),
        ("alert_rules.yml", alert_rules(options)),
        ("slo_rules.yml", slo_rules(options)),
        ("job_health_rules.yml", job_health_rules(options)),
        ("tests/functions_test.yml", functions_test_file(options)),
        ("tests/http_test.yml", http_test_file(options)),
        ("tests/instances_test.yml", instances_test_file(options)),
        ("tests/slo_test.yml", slo_test_file(options)),
        ("tests/job_health_test.yml", job_health_test_file(options)),
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

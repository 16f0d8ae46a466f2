//! The dashboards and rules in `dashboards/` are the generator's default output, follow the
//! namespace prefix, are well formed, and pass `promtool check rules` and their own
//! `promtool test rules` unit tests.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use support::dashboards::{
    all_value, dashboards_dir, files_under, generate, label_values_query, panel_queries, read,
    read_json, run_generator, substitute, variables,
};
use support::process::require_on_path;
use support::promql::{has_prefix, metric_names, with_prefix};
use support::rules::{Rule, RuleKind, rules, yaml_values};
use support::scratch::ScratchDir;

const RULE_FILES: [&str; 4] = [
    "recording_rules.yml",
    "alert_rules.yml",
    "slo_rules.yml",
    "job_health_rules.yml",
];
const DASHBOARDS: [&str; 3] = ["functions.json", "http.json", "slo.json"];
const UNIT_TESTS: [&str; 5] = [
    "tests/functions_test.yml",
    "tests/http_test.yml",
    "tests/instances_test.yml",
    "tests/slo_test.yml",
    "tests/job_health_test.yml",
];

/// Options that change every threshold, the prefix and the families at once.
const CUSTOM: &[&str] = &[
    "--namespace",
    "acme",
    "--subsystem",
    "shop",
    "--family",
    "function_calls",
    "--family",
    "pipeline_stage",
    "--error-ratio",
    "0.05",
    "--p99-seconds",
    "0.3",
    "--for",
    "90s",
    "--jobs",
    "api,web.internal",
    "--keep-labels",
    "environment,region",
    "--min-events",
    "3",
    "--job-grace",
    "90s",
    "--window-divisor",
    "60",
];

#[test]
fn checked_in_files_are_the_generators_default_output() {
    let scratch = ScratchDir::new("dashboards-default");
    generate(scratch.path(), &[]);
    let checked_in = dashboards_dir();
    let expected = files_under(scratch.path());
    assert_eq!(
        files_under(&checked_in),
        expected,
        "dashboards/ holds other files than the generator writes; \
         run `cargo run -p instrument-metrics-examples --bin dashboards`"
    );
    for file in &expected {
        assert!(
            read(&checked_in.join(file)) == read(&scratch.path().join(file)),
            "dashboards/{} differs from the generator's output; \
             run `cargo run -p instrument-metrics-examples --bin dashboards` and commit the result",
            file.display()
        );
    }
}

/// The expressions of a generated file, with template variables set to their "All" values so
/// they are PromQL: panel queries and variable selectors of dashboards; `expr`, `record` and
/// `series` of rule and test files.
fn expressions(dir: &Path, file: &str) -> Vec<String> {
    let path = dir.join(file);
    let raw: Vec<String> = if file.ends_with(".json") {
        let dashboard = read_json(&path);
        let mut exprs: Vec<String> = panel_queries(&dashboard)
            .into_iter()
            .map(|query| query.expr)
            .collect();
        exprs.extend(
            variables(&dashboard)
                .iter()
                .filter_map(label_values_query)
                .map(|(selector, _)| selector),
        );
        exprs
    } else {
        let text = read(&path);
        ["expr", "record", "series"]
            .iter()
            .flat_map(|key| yaml_values(&text, key))
            .collect()
    };
    raw.iter()
        .map(|expr| substitute(expr, all_value).unwrap_or_else(|error| panic!("{file}: {error}")))
        .collect()
}

fn names_in(dir: &Path, file: &str) -> BTreeSet<String> {
    expressions(dir, file)
        .iter()
        .flat_map(|expr| metric_names(expr).unwrap_or_else(|error| panic!("{file}: {error}")))
        .collect()
}

#[test]
fn namespace_prefixes_every_metric_name_in_every_expression() {
    let default = ScratchDir::new("dashboards-plain");
    let acme = ScratchDir::new("dashboards-acme");
    generate(default.path(), &[]);
    generate(acme.path(), &["--namespace", "acme"]);
    // `up` is Prometheus's own series and `process_start_time_seconds` a process metric, never
    // prefixed; the objectives' recorded series are one set for every family and prefix.
    let own = |name: &String| {
        name != "up" && name != "process_start_time_seconds" && !name.starts_with("objective:")
    };
    for file in DASHBOARDS.iter().chain(&RULE_FILES).chain(&UNIT_TESTS) {
        let plain = names_in(default.path(), file);
        let prefixed = names_in(acme.path(), file);
        // instances_test.yml reads only `up`; every other file reads families of ours.
        assert!(
            !plain.is_empty() && (file.contains("instances") || plain.iter().any(own)),
            "{file}: found too few metric names to check: {plain:?}"
        );
        let unprefixed: Vec<&String> = prefixed
            .iter()
            .filter(|name| own(name) && !has_prefix(name, "acme_"))
            .collect();
        assert!(
            unprefixed.is_empty(),
            "{file} written with --namespace acme reads names without acme_: {unprefixed:?}"
        );
        let expected: BTreeSet<String> = plain
            .iter()
            .map(|name| {
                if own(name) {
                    with_prefix(name, "acme_")
                } else {
                    name.clone()
                }
            })
            .collect();
        assert_eq!(
            prefixed, expected,
            "{file}: --namespace acme should change exactly the names, by adding acme_"
        );
    }
    // The family variable lists the names under the prefix and strips it again.
    let functions = read_json(&acme.path().join("functions.json"));
    let family = variables(&functions)
        .into_iter()
        .find(|variable| variable["name"] == "family")
        .expect("a family variable");
    assert!(
        family["definition"]
            .as_str()
            .is_some_and(|query| query.contains(r#"__name__=~"acme_.+_total""#)),
        "{family}"
    );
    assert_eq!(family["regex"], "/^acme_(.+)_total$/", "{family}");
    // Namespace and subsystem together make one prefix, as METRICS_NAMESPACE and
    // METRICS_SUBSYSTEM do.
    let both = ScratchDir::new("dashboards-acme-shop");
    generate(both.path(), &["--namespace", "acme", "--subsystem", "shop"]);
    for file in DASHBOARDS.iter().chain(&RULE_FILES) {
        for name in names_in(both.path(), file) {
            assert!(
                !own(&name) || has_prefix(&name, "acme_shop_"),
                "{file}: {name}"
            );
        }
    }
}

#[test]
fn the_dashboards_are_well_formed() {
    for file in DASHBOARDS {
        let dashboard = read_json(&dashboards_dir().join(file));
        let defined: BTreeSet<String> = variables(&dashboard)
            .iter()
            .filter_map(|variable| variable["name"].as_str().map(str::to_owned))
            .collect();
        // The objectives sum over instances: their dashboard selects objectives instead.
        let required = if file == "slo.json" {
            ["datasource", "job", "objective"]
        } else {
            ["datasource", "job", "instance"]
        };
        for required in required {
            assert!(
                defined.contains(required),
                "{file}: no ${required} variable"
            );
        }
        let panels = dashboard["panels"].as_array().expect("panels");
        let ids: BTreeSet<u64> = panels
            .iter()
            .filter_map(|panel| panel["id"].as_u64())
            .collect();
        assert_eq!(ids.len(), panels.len(), "{file}: panel ids are not unique");
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or_default();
            assert_eq!(
                panel["datasource"]["uid"], "${datasource}",
                "{file}: {title}"
            );
            assert!(panel["gridPos"]["w"].as_u64().is_some(), "{file}: {title}");
            let targets = panel["targets"].as_array().expect("targets");
            assert!(!targets.is_empty(), "{file}: {title} has no query");
            let refs: BTreeSet<&str> = targets
                .iter()
                .filter_map(|target| target["refId"].as_str())
                .collect();
            assert_eq!(refs.len(), targets.len(), "{file}: {title}: refIds repeat");
        }
        for query in panel_queries(&dashboard) {
            let context = format!("{file}: {} {}", query.panel, query.ref_id);
            // Every variable an expression uses exists (or is one of Grafana's own).
            substitute(&query.expr, |name| {
                (defined.contains(name) || name.starts_with("__")).then_some("x")
            })
            .unwrap_or_else(|error| panic!("{context}: {error}"));
            // Percentile legends name their percentile.
            if let Some(q) = query
                .expr
                .strip_prefix("histogram_quantile(")
                .and_then(|rest| rest.split(',').next())
            {
                let percentile = format!(
                    "p{}",
                    (q.parse::<f64>().expect("a quantile") * 100.0).round()
                );
                assert!(
                    query.legend.starts_with(&percentile),
                    "{context}: legend {:?} does not say {percentile}",
                    query.legend
                );
            }
            // Ratios are 0, not NaN or missing, for idle functions and routes.
            if query.panel.contains("ratio") || query.panel.contains("failing") {
                assert!(
                    query.expr.contains("clamp_min(") && query.expr.contains(" or"),
                    "{context}: a ratio needs the zero-safe form: {}",
                    query.expr
                );
            }
        }
    }
}

#[test]
fn the_generator_rejects_invalid_options_and_names_them() {
    for (args, mentions) in [
        (&["--namespace", "9lives"][..], "--namespace"),
        (&["--namespace", "__x"][..], "--namespace"),
        (&["--family", "calls_total"][..], "_total"),
        (&["--error-ratio", "1.5"][..], "--error-ratio"),
        (&["--p99-seconds", "0"][..], "--p99-seconds"),
        (&["--for", "5 minutes"][..], "--for"),
        (&["--job-grace", "soon"][..], "--job-grace"),
        (&["--min-events", "0"][..], "--min-events"),
        (&["--window-divisor", "7"][..], "--window-divisor"),
        (&["--out"][..], "--out needs a value"),
        (&["--colour"][..], "--colour"),
    ] {
        let output = run_generator(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(mentions), "{args:?}: {stderr}");
    }
}

#[test]
fn rule_files_hold_the_documented_rules() {
    let recording = rules(&read(&dashboards_dir().join("recording_rules.yml")));
    let alerts = rules(&read(&dashboards_dir().join("alert_rules.yml")));
    assert!(recording.iter().all(|rule| rule.kind == RuleKind::Record));
    assert!(alerts.iter().all(|rule| rule.kind == RuleKind::Alert));
    let recorded: Vec<&str> = recording.iter().map(|rule| rule.name.as_str()).collect();
    for name in [
        "function:function_calls:rate5m",
        "function:function_calls_errors:ratio_rate5m",
        "function:function_calls_duration_seconds:p99_rate5m",
        "handler:http_requests:rate5m",
        "handler:http_requests_5xx:ratio_rate5m",
        "handler:http_request_duration_seconds:p99_rate5m",
    ] {
        assert!(
            recorded.contains(&name),
            "{name} is not recorded: {recorded:?}"
        );
    }
    let expr_of = |alert: &str| {
        alerts
            .iter()
            .find(|rule| rule.name == alert)
            .map(|rule| rule.expr.as_str())
            .unwrap_or_else(|| panic!("no alert {alert}"))
    };
    assert_eq!(
        expr_of("FunctionErrorRatioHigh"),
        "function:function_calls_errors:ratio_rate5m > 0.01"
    );
    assert_eq!(
        expr_of("FunctionLatencyHigh"),
        "function:function_calls_duration_seconds:p99_rate5m > 1"
    );
    assert_eq!(expr_of("InstanceDown"), "up == 0");
    assert!(read(&dashboards_dir().join("alert_rules.yml")).contains("for: 5m"));

    // The flags change the thresholds.
    let custom = ScratchDir::new("dashboards-custom");
    generate(custom.path(), CUSTOM);
    let text = read(&custom.path().join("alert_rules.yml"));
    let alerts = rules(&text);
    let exprs: Vec<&str> = alerts.iter().map(|rule| rule.expr.as_str()).collect();
    for expected in [
        "function:acme_shop_function_calls_errors:ratio_rate5m > 0.05",
        "function:acme_shop_pipeline_stage_duration_seconds:p99_rate5m > 0.3",
        r#"up{job=~"api|web\\.internal"} == 0"#,
    ] {
        assert!(exprs.contains(&expected), "{expected} not in {exprs:?}");
    }
    assert_eq!(yaml_values(&text, "for"), vec!["90s"; alerts.len()]);
}

fn promtool(args: &[&str], dir: &Path) -> String {
    let promtool = require_on_path("promtool", "prometheus");
    let output = Command::new(&promtool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", promtool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "promtool {args:?} in {} exited with {}:\n{text}",
        dir.display(),
        output.status
    );
    text
}

#[test]
#[ignore = "needs promtool; run by scripts/test"]
fn promtool_check_rules_is_clean() {
    let custom = ScratchDir::new("dashboards-check");
    generate(custom.path(), CUSTOM);
    for dir in [dashboards_dir().as_path(), custom.path()] {
        let args: Vec<&str> = ["check", "rules"].into_iter().chain(RULE_FILES).collect();
        let report = promtool(&args, dir);
        // Lint findings (duplicate rules, ...) are printed while the exit status stays 0.
        let findings: Vec<&str> = report
            .lines()
            .map(str::trim)
            .filter(|line| {
                !line.is_empty() && !line.starts_with("Checking ") && !line.starts_with("SUCCESS: ")
            })
            .collect();
        assert!(
            findings.is_empty(),
            "promtool check rules in {} reported:\n{report}",
            dir.display()
        );
        assert_eq!(
            report.matches("SUCCESS").count(),
            RULE_FILES.len(),
            "{report}"
        );
    }
}

#[test]
#[ignore = "needs promtool; run by scripts/test"]
fn promtool_unit_tests_pass_for_the_default_and_custom_thresholds() {
    let custom = ScratchDir::new("dashboards-unit");
    generate(custom.path(), CUSTOM);
    for dir in [dashboards_dir().as_path(), custom.path()] {
        let args: Vec<&str> = ["test", "rules"].into_iter().chain(UNIT_TESTS).collect();
        let report = promtool(&args, dir);
        assert_eq!(
            report.matches("SUCCESS").count(),
            UNIT_TESTS.len(),
            "promtool test rules in {}:\n{report}",
            dir.display()
        );
        assert!(!report.contains("FAILED"), "{report}");
    }
    // Every alert is checked firing and quiet in the checked-in tests.
    let tests: String = UNIT_TESTS
        .iter()
        .map(|file| read(&dashboards_dir().join(file)))
        .collect();
    let alert_files = ["alert_rules.yml", "slo_rules.yml", "job_health_rules.yml"];
    let alerts = alert_files
        .iter()
        .flat_map(|file| rules(&read(&dashboards_dir().join(file))))
        .filter(|rule| rule.kind == RuleKind::Alert);
    for alert in alerts {
        let checks = tests
            .matches(&format!("alertname: {}\n", alert.name))
            .count();
        assert!(
            checks >= 2,
            "{} is checked {checks} times; it needs a firing and a quiet check",
            alert.name
        );
    }
    assert!(tests.contains("exp_alerts: []"));
}

#[test]
fn slo_and_job_health_rules_hold_every_window_tier_and_guard() {
    let slo = rules(&read(&dashboards_dir().join("slo_rules.yml")));
    let recorded: Vec<&str> = slo
        .iter()
        .filter(|rule| rule.kind == RuleKind::Record)
        .map(|rule| rule.name.as_str())
        .collect();
    assert!(recorded.contains(&"objective:error_budget:ratio"));
    assert!(recorded.contains(&"objective:slow_budget:ratio"));
    for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] {
        for series in [
            "calls",
            "error_ratio",
            "error_burn_rate",
            "timed_calls",
            "slow_ratio",
            "slow_burn_rate",
        ] {
            let name = format!("objective:{series}:rate{window}");
            assert!(recorded.contains(&name.as_str()), "{name} is not recorded");
        }
    }
    // Three tiers per budget: page 14.4x over 1h and 5m, page 6x over 6h and 30m, ticket 1x
    // over 3d and 6h, each guarded by the number of bad calls in both windows.
    let burn: Vec<&Rule> = slo
        .iter()
        .filter(|rule| rule.name == "ErrorBudgetBurn")
        .collect();
    assert_eq!(burn.len(), 3);
    assert_eq!(
        burn[0].expr,
        "objective:error_burn_rate:rate1h > 14.4\nand\nobjective:error_burn_rate:rate5m > 14.4\n\
         and\nobjective:error_ratio:rate1h * objective:calls:rate1h * 3600 >= 5\n\
         and\nobjective:error_ratio:rate5m * objective:calls:rate5m * 300 >= 5"
    );
    assert!(
        burn[1]
            .expr
            .starts_with("objective:error_burn_rate:rate6h > 6\n")
    );
    assert!(
        burn[2]
            .expr
            .starts_with("objective:error_burn_rate:rate3d > 1\n")
    );
    assert_eq!(
        slo.iter()
            .filter(|rule| rule.name == "LatencyBudgetBurn")
            .count(),
        3
    );
    let stale = rules(&read(&dashboards_dir().join("job_health_rules.yml")));
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0].expr.contains("process_start_time_seconds")
            && stale[0]
                .expr
                .ends_with("function_calls_last_success_expected_interval_seconds + 300"),
        "{}",
        stale[0].expr
    );
    // The window divisor shortens the ranges, not the names.
    let short = ScratchDir::new("dashboards-divisor");
    generate(
        short.path(),
        &["--window-divisor", "60", "--min-events", "2"],
    );
    let text = read(&short.path().join("slo_rules.yml"));
    assert!(text.contains("rate(function_calls_total[60s])"), "{text}");
    assert!(text.contains("record: objective:error_ratio:rate1h"));
    assert!(text.contains("objective:error_ratio:rate1h * objective:calls:rate1h * 60 >= 2"));
}

#[test]
fn latency_panels_show_exemplars_linked_to_the_trace_data_source() {
    for file in ["functions.json", "http.json"] {
        let dashboard = read_json(&dashboards_dir().join(file));
        let traces = variables(&dashboard)
            .into_iter()
            .find(|variable| variable["name"] == "traces")
            .unwrap_or_else(|| panic!("{file}: no $traces variable"));
        assert_eq!(traces["type"], "datasource", "{file}");
        let panels = dashboard["panels"].as_array().expect("panels");
        let mut latency_panels = 0;
        for panel in panels {
            let targets = panel["targets"].as_array().expect("targets");
            let quantiles = targets.iter().any(|target| {
                target["expr"]
                    .as_str()
                    .is_some_and(|expr| expr.starts_with("histogram_quantile("))
            });
            let title = panel["title"].as_str().unwrap_or_default();
            if panel["type"] != "timeseries" || !quantiles {
                // Tables and rates read no exemplars.
                assert!(
                    targets
                        .iter()
                        .all(|target| target.get("exemplar").is_none()),
                    "{file}: {title}"
                );
                continue;
            }
            latency_panels += 1;
            assert!(
                targets.iter().all(|target| target["exemplar"] == true),
                "{file}: {title}: every latency query asks for exemplars"
            );
            let links = panel["fieldConfig"]["defaults"]["links"]
                .as_array()
                .unwrap_or_else(|| panic!("{file}: {title}: no data link"));
            let url = links[0]["url"].as_str().unwrap_or_default();
            assert!(
                url.starts_with("/explore?")
                    && url.contains("${traces}")
                    && url.contains("${__data.fields.trace_id}"),
                "{file}: {title}: {url}"
            );
        }
        assert_eq!(latency_panels, 1, "{file}: one latency panel");
    }
}

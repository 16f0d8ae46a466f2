//! A crate outside this repository using the attribute's options, as a user writes it:
//! `tests/fixtures/outside_options` names its families, labels them with literals, enums and
//! `bool`s, fails with an error enum, sets buckets, drops a gauge, instruments an impl block with
//! an override and a `skip`, and reaches the runtime through a re-export.
//!
//! Copied to a temporary directory, it must build and pass clippy (pedantic) with no warning;
//! its `/metrics` must hold, right after `install()` and before any call, the zero-valued series
//! of every call site without argument labels, and after its known calls exactly the series it
//! declared with their values, nothing else of ours. A copy that labels a metric with a `String`
//! argument must fail to build with the cardinality message, located on that argument.

mod support;

use std::collections::BTreeMap;

use support::exposition::samples;
use support::http::scrape;
use support::outside::{Fixture, cargo, cargo_clean, prepare, target_dir};
use support::process::free_loopback_addr;

const PIPELINE: &str = "outside_options_fixture::pipeline";
const WAREHOUSE: &str = "outside_options_fixture::warehouse";

/// An expected value that only has to be present and a non-negative number: the bucket counts
/// and sums of durations that depend on how long a call took.
const ANY: f64 = f64::NAN;

/// The default duration buckets, as rendered.
const DEFAULT_BOUNDS: [&str; 14] = [
    "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5",
    "7.5", "10",
];

// ---------------------------------------------------------------------------------------------
// The series the fixture declares

/// A series as `name{label="value",...}`, labels sorted by name.
fn key(name: &str, labels: &BTreeMap<String, String>) -> String {
    let labels: Vec<String> = labels
        .iter()
        .map(|(label, value)| format!("{label}={value:?}"))
        .collect();
    format!("{name}{{{}}}", labels.join(","))
}

/// Every series in the exposition but `build_info`, with its value.
fn our_series(text: &str) -> BTreeMap<String, f64> {
    let mut found = BTreeMap::new();
    for sample in samples(text) {
        if sample.name == "build_info" {
            continue;
        }
        let key = key(&sample.name, &sample.labels);
        assert!(
            found.insert(key.clone(), sample.value).is_none(),
            "{key} is rendered twice in:\n{text}"
        );
    }
    found
}

/// The series of one call site, family by family.
struct Site<'a> {
    family: &'a str,
    labels: Vec<(&'a str, &'a str)>,
}

#[derive(Default)]
struct Expected(BTreeMap<String, f64>);

impl Expected {
    fn insert(&mut self, name: String, labels: &[(&str, &str)], value: f64) {
        let labels = labels
            .iter()
            .map(|(label, value)| ((*label).to_owned(), (*value).to_owned()))
            .collect();
        self.0.insert(key(&name, &labels), value);
    }

    /// `<family>_total` by `result`: `[ok, error, panic, cancelled]`.
    fn calls(mut self, site: &Site, counts: [u32; 4]) -> Self {
        for (result, count) in ["ok", "error", "panic", "cancelled"]
            .into_iter()
            .zip(counts)
        {
            let labels = [&site.labels[..], &[("result", result)]].concat();
            self.insert(format!("{}_total", site.family), &labels, count.into());
        }
        self
    }

    /// `<family>_total{result="error",error="<variant>"}` for every variant of the fixture's
    /// `StageError`.
    fn errors(mut self, site: &Site, [timeout, bad_input, unavailable]: [u32; 3]) -> Self {
        for (variant, count) in [
            ("timeout", timeout),
            ("bad_input", bad_input),
            ("unavailable", unavailable),
        ] {
            let labels = [&site.labels[..], &[("result", "error"), ("error", variant)]].concat();
            self.insert(format!("{}_total", site.family), &labels, count.into());
        }
        self
    }

    fn in_flight(mut self, site: &Site) -> Self {
        self.insert(format!("{}_in_flight", site.family), &site.labels, 0.0);
        self
    }

    /// `<family>_duration_seconds` with these bounds (`+Inf` added), after `calls` calls.
    fn histogram(mut self, site: &Site, bounds: &[&str], calls: u32) -> Self {
        let name = format!("{}_duration_seconds", site.family);
        let timed = if calls == 0 { 0.0 } else { ANY };
        for bound in bounds {
            let labels = [&site.labels[..], &[("le", *bound)]].concat();
            self.insert(format!("{name}_bucket"), &labels, timed);
        }
        let labels = [&site.labels[..], &[("le", "+Inf")]].concat();
        self.insert(format!("{name}_bucket"), &labels, calls.into());
        self.insert(format!("{name}_sum"), &site.labels, timed);
        self.insert(format!("{name}_count"), &site.labels, calls.into());
        self
    }

    #[track_caller]
    fn assert_exactly(&self, text: &str) {
        let found = our_series(text);
        let missing: Vec<&String> = self
            .0
            .keys()
            .filter(|key| !found.contains_key(*key))
            .collect();
        let unexpected: Vec<&String> = found
            .keys()
            .filter(|key| !self.0.contains_key(*key))
            .collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "missing {missing:#?}\nunexpected {unexpected:#?}\nin:\n{text}"
        );
        for (key, expected) in &self.0 {
            let value = found[key];
            if expected.is_nan() {
                assert!(value.is_finite() && value >= 0.0, "{key} is {value}");
            } else {
                assert_eq!(value, *expected, "{key}\nin:\n{text}");
            }
        }
    }
}

fn stage<'a>(function: &'a str, stage: &'a str, more: &[(&'a str, &'a str)]) -> Site<'a> {
    let mut labels = vec![
        ("function", function),
        ("module", PIPELINE),
        ("pipeline", "ingest"),
        ("stage", stage),
    ];
    labels.extend_from_slice(more);
    Site {
        family: "outside_stage",
        labels,
    }
}

fn warehouse<'a>(method: &'a str, store: &'a str) -> Site<'a> {
    Site {
        family: "outside_warehouse",
        labels: vec![
            ("function", method),
            ("module", WAREHOUSE),
            ("store", store),
        ],
    }
}

/// What `install()` registers before any call: every site without argument labels, at zero.
fn before_any_call() -> Expected {
    let extract = stage("extract", "extract", &[]);
    let load = stage("load", "load", &[]);
    let rollback = stage("rollback", "rollback", &[]);
    let new = warehouse("Warehouse::new", "disk");
    let write = warehouse("Warehouse::write", "disk");
    let cache = warehouse("Warehouse::cache", "memory");
    Expected::default()
        .calls(&extract, [0; 4])
        .in_flight(&extract)
        .histogram(&extract, &DEFAULT_BOUNDS, 0)
        .calls(&load, [0; 4])
        .histogram(&load, &DEFAULT_BOUNDS, 0)
        .calls(&rollback, [0; 4])
        .in_flight(&rollback)
        .histogram(&rollback, &DEFAULT_BOUNDS, 0)
        .calls(&new, [0; 4])
        .in_flight(&new)
        .histogram(&new, &DEFAULT_BOUNDS, 0)
        .calls(&write, [0; 4])
        .in_flight(&write)
        .histogram(&write, &DEFAULT_BOUNDS, 0)
        .calls(&cache, [0; 4])
        .histogram(&cache, &DEFAULT_BOUNDS, 0)
}

/// After the calls of `pipeline::run` and `warehouse::run` in the fixture.
fn after_the_run() -> Expected {
    let extract = stage("extract", "extract", &[]);
    let load = stage("load", "load", &[]);
    let rollback = stage("rollback", "rollback", &[]);
    let new = warehouse("Warehouse::new", "disk");
    let write = warehouse("Warehouse::write", "disk");
    let cache = warehouse("Warehouse::cache", "memory");
    let mut expected = Expected::default()
        // One `Timeout`, one success; the plain `result="error"` stays 0.
        .calls(&extract, [1, 0, 0, 0])
        .errors(&extract, [1, 0, 0])
        .in_flight(&extract)
        .histogram(&extract, &DEFAULT_BOUNDS, 2)
        // One success, one `SinkDown`, renamed `unavailable`; no gauge.
        .calls(&load, [1, 0, 0, 0])
        .errors(&load, [0, 0, 1])
        .histogram(&load, &DEFAULT_BOUNDS, 2)
        .calls(&rollback, [0; 4])
        .in_flight(&rollback)
        .histogram(&rollback, &DEFAULT_BOUNDS, 0)
        .calls(&new, [1, 0, 0, 0])
        .in_flight(&new)
        .histogram(&new, &DEFAULT_BOUNDS, 1)
        .calls(&write, [2, 0, 0, 0])
        .in_flight(&write)
        .histogram(&write, &DEFAULT_BOUNDS, 2)
        .calls(&cache, [1, 0, 0, 0])
        .histogram(&cache, &DEFAULT_BOUNDS, 1);
    // `transform` has every combination of `kind` and `retry` from its first call on; error
    // variants only where an error happened.
    for (kind, retry, ok, bad_input) in [
        ("full", "false", 1, Some(1)),
        ("full", "true", 0, None),
        ("incremental", "false", 0, None),
        ("incremental", "true", 1, None),
    ] {
        let transform = stage(
            "transform",
            "transform",
            &[("kind", kind), ("retry", retry)],
        );
        expected = expected
            .calls(&transform, [ok, 0, 0, 0])
            .in_flight(&transform)
            .histogram(&transform, &["0.5", "5"], ok + bad_input.unwrap_or(0));
        if let Some(bad_input) = bad_input {
            expected = expected.errors(&transform, [0, bad_input, 0]);
        }
    }
    for tier in ["free", "paid"] {
        let enrich = Site {
            family: "function_calls",
            labels: vec![("function", "enrich"), ("module", PIPELINE), ("tier", tier)],
        };
        expected = expected
            .calls(&enrich, [1, 0, 0, 0])
            .in_flight(&enrich)
            .histogram(&enrich, &DEFAULT_BOUNDS, 1);
    }
    expected
}

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn an_outside_crate_gets_exactly_the_series_it_declares_zero_valued_before_the_first_call() {
    let dir = prepare("outside_options", "instrument-metrics-outside-options-run");
    cargo_clean(&dir, &["build", "--quiet"]);
    cargo_clean(&dir, &["clippy", "--quiet", "--all-targets"]);

    let addr = free_loopback_addr();
    let binary = target_dir().join("debug").join("outside-options-fixture");
    let mut running = Fixture::start(&binary, addr);
    assert_eq!(
        running.expect_line("installed"),
        addr.to_string(),
        "the fixture serves on METRICS_ADDR"
    );
    before_any_call().assert_exactly(&scrape(addr));

    running.go();
    assert_eq!(running.expect_line("ready"), addr.to_string());
    after_the_run().assert_exactly(&scrape(addr));

    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn an_outside_crate_labelling_a_metric_with_a_string_fails_to_build_on_that_argument() {
    let dir = prepare(
        "outside_options",
        "instrument-metrics-outside-options-unbounded",
    );
    // Its own package name, so its failed build leaves the other test's binary alone.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest.replace(
            r#"name = "outside-options-fixture""#,
            r#"name = "outside-options-unbounded""#,
        ),
    )
    .unwrap();
    // `enrich(customer: String, tier: Tier)` labelled by its customer as well as its tier.
    let source = dir.join("src/pipeline.rs");
    let original = std::fs::read_to_string(&source).unwrap();
    let bounded = "#[instrument_metrics(labels(tier))]";
    let unbounded = "#[instrument_metrics(labels(tier, customer))]";
    assert_eq!(
        original.matches(bounded).count(),
        1,
        "one {bounded} in the fixture"
    );
    let edited = original.replace(bounded, unbounded);
    std::fs::write(&source, &edited).unwrap();
    let (line, text) = edited
        .lines()
        .enumerate()
        .find(|(_, text)| text.contains(unbounded))
        .expect("the edited line");
    let column = text.find("customer").expect("the label") + 1;
    let location = format!("--> src/pipeline.rs:{}:{column}", line + 1);

    let output = cargo(&dir, &["build", "--quiet"])
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the build must fail:\n{stderr}");
    assert!(
        stderr.contains(
            "error[E0277]: `String` cannot be a metric label value: label values must come from a bounded set"
        ),
        "the cardinality message:\n{stderr}"
    );
    let first_location = stderr
        .lines()
        .map(str::trim_start)
        .find(|line| line.starts_with("--> "))
        .unwrap_or_default();
    assert_eq!(
        first_location, location,
        "where the error points:\n{stderr}"
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error"))
        .collect();
    assert_eq!(
        errors.len(),
        2,
        "one error, then cargo's `could not compile`, and nothing else:\n{stderr}"
    );
    assert!(!stderr.contains("warning"), "no warning either:\n{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! What the attribute's options record, read back from the installed exporter's exposition:
//! every series of a function, with its exact label set and value, for `name`, literal and
//! argument `labels`, error enums, `buckets`, `in_flight = false` and impl blocks with overrides
//! and `skip`; and which series exist before the first call (zero-initialised at `install()`)
//! and which only after it.
//!
//! The whole file is one process with one exporter, installed before any instrumented call; its
//! tests run in parallel, each with its own instrumented functions so their series cannot mix.

mod support;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use instrument_metrics::{Builder, DEFAULT_BUCKETS, Exporter, MetricLabel, instrument_metrics};
use support::exposition::samples;

/// `module_path!()` of this test crate's root.
const MODULE: &str = "options";

/// An expected value that only has to be present and a non-negative number: the bucket counts
/// and sums of durations that depend on how long a call took.
const ANY: f64 = f64::NAN;

/// Installs the exporter on first use; every test calls it before its first instrumented call.
fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        Builder::new()
            .listen_address(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .install()
            .expect("the exporter installs on a free loopback port")
    })
}

fn render() -> String {
    exporter().render()
}

// ---------------------------------------------------------------------------------------------
// Reading and expecting every series of one function

/// A series as `name{label="value",...}`, labels sorted by name, without `function` and
/// `module` (the same on every series of a function).
fn key(name: &str, labels: &BTreeMap<String, String>) -> String {
    let labels: Vec<String> = labels
        .iter()
        .filter(|(label, _)| *label != "function" && *label != "module")
        .map(|(label, value)| format!("{label}={value:?}"))
        .collect();
    format!("{name}{{{}}}", labels.join(","))
}

/// Every series whose `function` label is `function`, each checked to carry this file's
/// `module` label.
fn series_of(text: &str, function: &str) -> BTreeMap<String, f64> {
    let mut found = BTreeMap::new();
    for sample in samples(text) {
        if sample.labels.get("function").map(String::as_str) != Some(function) {
            continue;
        }
        assert_eq!(
            sample.labels.get("module").map(String::as_str),
            Some(MODULE),
            "{sample:?}"
        );
        let key = key(&sample.name, &sample.labels);
        assert!(
            found.insert(key.clone(), sample.value).is_none(),
            "{key} is rendered twice in:\n{text}"
        );
    }
    found
}

/// The series one function is expected to have, built family by family.
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
    fn calls(mut self, family: &str, labels: &[(&str, &str)], counts: [u32; 4]) -> Self {
        for (result, count) in ["ok", "error", "panic", "cancelled"]
            .into_iter()
            .zip(counts)
        {
            let labels = [labels, &[("result", result)]].concat();
            self.insert(format!("{family}_total"), &labels, count.into());
        }
        self
    }

    /// `<family>_total{result="error",error="<variant>"}` for every variant.
    fn errors(mut self, family: &str, labels: &[(&str, &str)], counts: &[(&str, u32)]) -> Self {
        for (variant, count) in counts {
            let labels = [labels, &[("result", "error"), ("error", variant)]].concat();
            self.insert(format!("{family}_total"), &labels, (*count).into());
        }
        self
    }

    fn in_flight(mut self, family: &str, labels: &[(&str, &str)], running: u32) -> Self {
        self.insert(format!("{family}_in_flight"), labels, running.into());
        self
    }

    /// `<family>_duration_seconds` with these `le` bounds (`+Inf` added) and cumulative bucket
    /// counts (`+Inf` and `_count` are `calls`); `ANY` leaves a count open.
    fn histogram(
        mut self,
        family: &str,
        labels: &[(&str, &str)],
        bounds: &[&str],
        cumulative: &[f64],
        calls: u32,
    ) -> Self {
        assert_eq!(bounds.len(), cumulative.len(), "a count per bound");
        let name = format!("{family}_duration_seconds");
        for (bound, count) in bounds.iter().zip(cumulative) {
            let labels = [labels, &[("le", bound)]].concat();
            self.insert(format!("{name}_bucket"), &labels, *count);
        }
        let labels_inf = [labels, &[("le", "+Inf")]].concat();
        self.insert(format!("{name}_bucket"), &labels_inf, calls.into());
        let sum = if calls == 0 { 0.0 } else { ANY };
        self.insert(format!("{name}_sum"), labels, sum);
        self.insert(format!("{name}_count"), labels, calls.into());
        self
    }

    /// A histogram with the default buckets, whose bucket counts depend on timing.
    fn default_histogram(self, family: &str, labels: &[(&str, &str)], calls: u32) -> Self {
        let bounds: Vec<String> = DEFAULT_BUCKETS.iter().map(ToString::to_string).collect();
        let bounds: Vec<&str> = bounds.iter().map(String::as_str).collect();
        let counts = if calls == 0 {
            vec![0.0; bounds.len()]
        } else {
            vec![ANY; bounds.len()]
        };
        self.histogram(family, labels, &bounds, &counts, calls)
    }

    /// Asserts `function` has exactly these series and values.
    #[track_caller]
    fn assert_of(&self, text: &str, function: &str) {
        let found = series_of(text, function);
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
            "{function}: missing {missing:#?}\nunexpected {unexpected:#?}\nin:\n{text}"
        );
        for (key, expected) in &self.0 {
            let value = found[key];
            if expected.is_nan() {
                assert!(
                    value.is_finite() && value >= 0.0,
                    "{function}: {key} is {value}"
                );
            } else {
                assert_eq!(value, *expected, "{function}: {key}\nin:\n{text}");
            }
        }
    }
}

/// Whether any sample of `function` exists.
fn has_series(text: &str, function: &str) -> bool {
    samples(text)
        .iter()
        .any(|sample| sample.labels.get("function").map(String::as_str) == Some(function))
}

// ---------------------------------------------------------------------------------------------
// `name`

#[instrument_metrics(name = "options_named")]
fn named(fail: bool) -> Result<u8, String> {
    if fail {
        Err("failed".to_owned())
    } else {
        Ok(1)
    }
}

#[test]
fn name_replaces_the_family_base_of_all_three_families() {
    exporter();
    for fail in [false, true, false] {
        assert_eq!(named(fail).is_err(), fail);
    }
    let text = render();
    Expected::default()
        .calls("options_named", &[], [2, 1, 0, 0])
        .in_flight("options_named", &[], 0)
        .default_histogram("options_named", &[], 3)
        .assert_of(&text, "named");
    for (family, kind) in [
        ("options_named_total", "counter"),
        ("options_named_in_flight", "gauge"),
        ("options_named_duration_seconds", "histogram"),
    ] {
        assert!(
            text.lines()
                .any(|line| line == format!("# TYPE {family} {kind}")),
            "no # TYPE {family} {kind} in:\n{text}"
        );
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("# HELP {family} "))),
            "no # HELP {family} in:\n{text}"
        );
    }
}

#[instrument_metrics(name = "options_shared")]
fn shared_first() -> u8 {
    1
}

#[instrument_metrics(name = "options_shared")]
fn shared_second() -> u8 {
    2
}

#[test]
fn functions_with_one_name_share_its_families() {
    exporter();
    assert_eq!(shared_first() + shared_second() + shared_second(), 5);
    let text = render();
    Expected::default()
        .calls("options_shared", &[], [1, 0, 0, 0])
        .in_flight("options_shared", &[], 0)
        .default_histogram("options_shared", &[], 1)
        .assert_of(&text, "shared_first");
    Expected::default()
        .calls("options_shared", &[], [2, 0, 0, 0])
        .in_flight("options_shared", &[], 0)
        .default_histogram("options_shared", &[], 2)
        .assert_of(&text, "shared_second");
    for header in [
        "# TYPE options_shared_total counter",
        "# TYPE options_shared_in_flight gauge",
        "# TYPE options_shared_duration_seconds histogram",
    ] {
        assert_eq!(
            text.lines().filter(|line| *line == header).count(),
            1,
            "{header} once in:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Literal labels

#[instrument_metrics(name = "options_stage", labels(pipeline = "ingest", stage = "extract"))]
fn literal_extract(fail: bool) -> std::io::Result<u8> {
    if fail {
        Err(std::io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics(name = "options_stage", labels(pipeline = "ingest", stage = "load"))]
async fn literal_load() -> u8 {
    tokio::task::yield_now().await;
    2
}

#[tokio::test]
async fn literal_labels_are_on_every_series_of_the_function() {
    exporter();
    assert!(literal_extract(true).is_err());
    assert!(literal_extract(false).is_ok());
    assert_eq!(literal_load().await, 2);
    let text = render();
    let extract = [("pipeline", "ingest"), ("stage", "extract")];
    Expected::default()
        .calls("options_stage", &extract, [1, 1, 0, 0])
        .in_flight("options_stage", &extract, 0)
        .default_histogram("options_stage", &extract, 2)
        .assert_of(&text, "literal_extract");
    let load = [("pipeline", "ingest"), ("stage", "load")];
    Expected::default()
        .calls("options_stage", &load, [1, 0, 0, 0])
        .in_flight("options_stage", &load, 0)
        .default_histogram("options_stage", &load, 1)
        .assert_of(&text, "literal_load");
}

// ---------------------------------------------------------------------------------------------
// Argument labels

#[derive(Clone, Copy, Debug, MetricLabel)]
enum Kind {
    Full,
    Incremental,
    #[metric_label(rename = "cdc")]
    ChangeDataCapture,
}

#[instrument_metrics(labels(pipeline = "ingest", kind, dry_run), buckets = [1.0])]
fn sync_job(kind: Kind, dry_run: bool) -> u8 {
    kind as u8 + u8::from(dry_run)
}

#[test]
fn argument_labels_register_every_combination_at_the_first_call() {
    exporter();
    let before = render();
    assert!(
        !has_series(&before, "sync_job"),
        "a site with argument labels has no series before its first call:\n{before}"
    );
    assert_eq!(sync_job(Kind::Incremental, true), 2);
    assert_eq!(sync_job(Kind::Incremental, true), 2);
    assert_eq!(sync_job(Kind::ChangeDataCapture, false), 2);
    assert_eq!(Kind::Full.label(), "full");
    let text = render();
    let mut expected = Expected::default();
    for kind in ["full", "incremental", "cdc"] {
        for dry_run in ["false", "true"] {
            let calls = match (kind, dry_run) {
                ("incremental", "true") => 2,
                ("cdc", "false") => 1,
                _ => 0,
            };
            let labels = [("pipeline", "ingest"), ("kind", kind), ("dry_run", dry_run)];
            let bucket = if calls == 0 { 0.0 } else { ANY };
            expected = expected
                .calls("function_calls", &labels, [calls, 0, 0, 0])
                .in_flight("function_calls", &labels, 0)
                .histogram("function_calls", &labels, &["1"], &[bucket], calls);
        }
    }
    expected.assert_of(&text, "sync_job");
}

#[derive(Clone, Copy, MetricLabel)]
enum Source {
    Api,
    Queue,
}

#[instrument_metrics(labels(source))]
async fn fetch(source: Source, wait: bool) -> u8 {
    if wait {
        std::future::pending::<()>().await;
    }
    source as u8
}

#[tokio::test]
async fn async_argument_labels_count_every_outcome_under_their_values() {
    exporter();
    assert_eq!(fetch(Source::Queue, false).await, 1);
    assert_eq!(Source::Api.label(), "api");
    let cancelled = tokio::time::timeout(Duration::from_millis(10), fetch(Source::Queue, true));
    assert!(cancelled.await.is_err(), "the pending call times out");
    let text = render();
    let api = [("source", "api")];
    let queue = [("source", "queue")];
    Expected::default()
        .calls("function_calls", &api, [0, 0, 0, 0])
        .in_flight("function_calls", &api, 0)
        .default_histogram("function_calls", &api, 0)
        .calls("function_calls", &queue, [1, 0, 0, 1])
        .in_flight("function_calls", &queue, 0)
        .default_histogram("function_calls", &queue, 2)
        .assert_of(&text, "fetch");
}

// ---------------------------------------------------------------------------------------------
// Error enums

#[derive(Debug, MetricLabel)]
enum StageError {
    Timeout,
    BadInput(String),
    Unavailable { retry_in: Duration },
}

#[instrument_metrics(name = "options_errors", labels(stage = "transform"))]
fn transform(input: &str) -> Result<u8, StageError> {
    match input {
        "slow" => Err(StageError::Timeout),
        "down" => Err(StageError::Unavailable {
            retry_in: Duration::from_secs(1),
        }),
        number => number
            .parse()
            .map_err(|_| StageError::BadInput(number.to_owned())),
    }
}

#[test]
fn errors_that_are_labels_count_by_variant_and_every_variant_shows_after_the_first_error() {
    exporter();
    let stage = [("stage", "transform")];
    assert_eq!(transform("1").unwrap(), 1);
    let text = render();
    Expected::default()
        .calls("options_errors", &stage, [1, 0, 0, 0])
        .in_flight("options_errors", &stage, 0)
        .default_histogram("options_errors", &stage, 1)
        .assert_of(&text, "transform");

    assert!(matches!(transform("slow"), Err(StageError::Timeout)));
    for bad in ["x", "y"] {
        assert!(matches!(transform(bad), Err(StageError::BadInput(input)) if input == bad));
    }
    assert_eq!(transform("2").unwrap(), 2);
    let text = render();
    Expected::default()
        // The plain `result="error"` series stays at 0: every error has its variant.
        .calls("options_errors", &stage, [2, 0, 0, 0])
        .errors(
            "options_errors",
            &stage,
            &[("timeout", 1), ("bad_input", 2), ("unavailable", 0)],
        )
        .in_flight("options_errors", &stage, 0)
        .default_histogram("options_errors", &stage, 5)
        .assert_of(&text, "transform");

    if let Err(StageError::Unavailable { retry_in }) = transform("down") {
        assert_eq!(retry_in, Duration::from_secs(1));
    } else {
        panic!("down is unavailable");
    }
    let text = render();
    Expected::default()
        .calls("options_errors", &stage, [2, 0, 0, 0])
        .errors(
            "options_errors",
            &stage,
            &[("timeout", 1), ("bad_input", 2), ("unavailable", 1)],
        )
        .in_flight("options_errors", &stage, 0)
        .default_histogram("options_errors", &stage, 6)
        .assert_of(&text, "transform");
}

// ---------------------------------------------------------------------------------------------
// `buckets` and `in_flight`

#[instrument_metrics(buckets = [0.05, 0.5, 5])]
fn bucketed(sleep: Duration) -> u8 {
    std::thread::sleep(sleep);
    1
}

#[test]
fn buckets_are_the_le_bounds_of_the_function_histogram() {
    exporter();
    bucketed(Duration::ZERO);
    bucketed(Duration::ZERO);
    bucketed(Duration::from_millis(100));
    let text = render();
    Expected::default()
        .calls("function_calls", &[], [3, 0, 0, 0])
        .in_flight("function_calls", &[], 0)
        .histogram(
            "function_calls",
            &[],
            &["0.05", "0.5", "5"],
            &[2.0, 3.0, 3.0],
            3,
        )
        .assert_of(&text, "bucketed");
}

#[instrument_metrics(in_flight = false)]
fn without_gauge() -> u8 {
    1
}

#[instrument_metrics(name = "options_gaugeless", in_flight = false)]
fn gaugeless_family() -> u8 {
    2
}

#[test]
fn in_flight_false_drops_the_gauge_series() {
    exporter();
    assert_eq!(without_gauge() + gaugeless_family(), 3);
    let text = render();
    Expected::default()
        .calls("function_calls", &[], [1, 0, 0, 0])
        .default_histogram("function_calls", &[], 1)
        .assert_of(&text, "without_gauge");
    Expected::default()
        .calls("options_gaugeless", &[], [1, 0, 0, 0])
        .default_histogram("options_gaugeless", &[], 1)
        .assert_of(&text, "gaugeless_family");
    assert!(
        !text.contains("options_gaugeless_in_flight"),
        "a family without gauges has no gauge family either:\n{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Impl blocks

struct Store {
    rows: usize,
}

#[derive(Clone, Copy, MetricLabel)]
enum Table {
    Orders,
    Customers,
}

#[instrument_metrics(name = "options_store", labels(store = "memory"), buckets = [1, 10])]
impl Store {
    fn get(&self) -> usize {
        self.rows
    }

    /// Overrides `store`, adds an argument label and drops the gauge.
    #[instrument_metrics(labels(store = "disk", table), in_flight = false)]
    fn put(&mut self, table: Table) -> usize {
        self.rows += 1 + table as usize;
        self.rows
    }

    /// Another family; the block's labels and buckets still apply.
    #[instrument_metrics(name = "options_store_admin")]
    fn compact(&mut self) {
        self.rows = 0;
    }

    #[instrument_metrics(skip)]
    fn helper(&self) -> bool {
        self.rows > 0
    }
}

#[test]
fn impl_block_arguments_apply_to_every_method_unless_overridden_or_skipped() {
    exporter();
    let mut store = Store { rows: 0 };
    assert_eq!(store.put(Table::Customers), 2);
    assert_eq!(Table::Orders.label(), "orders");
    assert_eq!(store.get(), 2);
    assert!(store.helper());
    store.compact();
    assert_eq!(store.get(), 0);
    let text = render();
    let memory = [("store", "memory")];
    Expected::default()
        .calls("options_store", &memory, [2, 0, 0, 0])
        .in_flight("options_store", &memory, 0)
        .histogram("options_store", &memory, &["1", "10"], &[ANY, 2.0], 2)
        .assert_of(&text, "Store::get");
    let mut put = Expected::default();
    for (table, calls) in [("orders", 0), ("customers", 1)] {
        let labels = [("store", "disk"), ("table", table)];
        let bucket = if calls == 0 { 0.0 } else { ANY };
        put = put
            .calls("options_store", &labels, [calls, 0, 0, 0])
            .histogram(
                "options_store",
                &labels,
                &["1", "10"],
                &[bucket, f64::from(calls)],
                calls,
            );
    }
    put.assert_of(&text, "Store::put");
    Expected::default()
        .calls("options_store_admin", &memory, [1, 0, 0, 0])
        .in_flight("options_store_admin", &memory, 0)
        .histogram("options_store_admin", &memory, &["1", "10"], &[ANY, 1.0], 1)
        .assert_of(&text, "Store::compact");
    assert!(
        !has_series(&text, "Store::helper"),
        "a skipped method records nothing:\n{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Zero-initialisation at `install()`

#[instrument_metrics(name = "options_zero", labels(pipeline = "ingest", stage = "extract"))]
fn zero_literal(fail: bool) -> Result<u8, std::io::Error> {
    if fail {
        Err(std::io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics(buckets = [0.1, 1])]
async fn zero_plain() -> u8 {
    3
}

#[instrument_metrics(labels(stage = "check"))]
fn zero_error_enum(fail: bool) -> Result<u8, StageError> {
    if fail {
        Err(StageError::Timeout)
    } else {
        Ok(1)
    }
}

#[tokio::test]
async fn sites_without_argument_labels_show_zero_series_before_their_first_call() {
    exporter();
    let text = render();
    let literal = [("pipeline", "ingest"), ("stage", "extract")];
    Expected::default()
        .calls("options_zero", &literal, [0, 0, 0, 0])
        .in_flight("options_zero", &literal, 0)
        .default_histogram("options_zero", &literal, 0)
        .assert_of(&text, "zero_literal");
    Expected::default()
        .calls("function_calls", &[], [0, 0, 0, 0])
        .in_flight("function_calls", &[], 0)
        .histogram("function_calls", &[], &["0.1", "1"], &[0.0, 0.0], 0)
        .assert_of(&text, "zero_plain");
    // Error variants are known from the first error, not before.
    let check = [("stage", "check")];
    Expected::default()
        .calls("function_calls", &check, [0, 0, 0, 0])
        .in_flight("function_calls", &check, 0)
        .default_histogram("function_calls", &check, 0)
        .assert_of(&text, "zero_error_enum");

    assert!(zero_literal(true).is_err());
    assert_eq!(zero_plain().await, 3);
    assert!(zero_error_enum(true).is_err());
    let text = render();
    Expected::default()
        .calls("options_zero", &literal, [0, 1, 0, 0])
        .in_flight("options_zero", &literal, 0)
        .default_histogram("options_zero", &literal, 1)
        .assert_of(&text, "zero_literal");
    Expected::default()
        .calls("function_calls", &[], [1, 0, 0, 0])
        .in_flight("function_calls", &[], 0)
        .histogram("function_calls", &[], &["0.1", "1"], &[ANY, 1.0], 1)
        .assert_of(&text, "zero_plain");
    Expected::default()
        .calls("function_calls", &check, [0, 0, 0, 0])
        .errors(
            "function_calls",
            &check,
            &[("timeout", 1), ("bad_input", 0), ("unavailable", 0)],
        )
        .in_flight("function_calls", &check, 0)
        .default_histogram("function_calls", &check, 1)
        .assert_of(&text, "zero_error_enum");
}

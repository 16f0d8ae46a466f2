//! Reads what the bench binaries print (divan's tables and the `allocs_per_call` lines) and
//! computes `scripts/bench`'s summary line from it.
//!
//! `scripts/bench` runs every binary several times (rounds), because some results vary more
//! between processes than within one (autometrics' registry lookups, hash seeds, memory layout):
//! each benchmark's figure is the median, over the rounds, of divan's per-run median.

use std::collections::BTreeMap;
use std::fmt;

/// Median nanoseconds per iteration, by benchmark path: `binary/bench[/argument]`, e.g.
/// `peers/floor/t=1` for the one-thread run of `floor` in the `peers` binary.
pub type Medians = BTreeMap<String, f64>;

/// Allocations per call, by `binary/variant`.
pub type Allocations = BTreeMap<String, f64>;

/// Adds to one run's medians what is derived within that process, before the runs are combined:
/// the overheads of [`keys::OVERHEADS`] and of each HTTP layer ([`keys::http_overhead`]), and the
/// ratios of [`keys::RATIOS`], so that a run's rows are only compared with each other.
pub fn add_derived(medians: &mut Medians) {
    let http = keys::HTTP_LAYERS.iter().flat_map(|binary| {
        [1, 2].map(|threads| {
            (
                keys::http_overhead(binary, threads),
                format!("{binary}/request_users/t={threads}"),
                format!("{binary}/request_none/t={threads}"),
            )
        })
    });
    let calls = keys::OVERHEADS
        .map(|(name, with, without)| (name.to_owned(), with.to_owned(), without.to_owned()));
    for (name, with, without) in calls.into_iter().chain(http) {
        if let (Some(with), Some(without)) = (medians.get(&with), medians.get(&without)) {
            medians.insert(name, with - without);
        }
    }
    for (name, numerator, denominator) in keys::RATIOS {
        if let (Some(numerator), Some(denominator)) =
            (medians.get(numerator), medians.get(denominator))
        {
            medians.insert(name.to_owned(), numerator / denominator);
        }
    }
}

/// Every run's value of each benchmark, in the order the runs were read.
pub type Runs = BTreeMap<String, Vec<f64>>;

/// Collects the medians of several runs (one [`Medians`] per run) by benchmark.
pub fn collect_runs<'a>(runs: impl IntoIterator<Item = &'a Medians>) -> Runs {
    let mut all = Runs::new();
    for run in runs {
        for (name, median) in run {
            all.entry(name.clone()).or_default().push(*median);
        }
    }
    all
}

/// The median over runs of each benchmark's median.
pub fn median_of_runs(runs: &Runs) -> Medians {
    runs.iter()
        .map(|(name, values)| (name.clone(), median(values)))
        .collect()
}

/// The middle value; the mean of the two middle ones for an even count; NaN for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The most allocations per call each variant made in any run: a steady state allocates the same
/// in every run, and one run's allocation is not noise to be voted away.
pub fn max_allocations<'a>(runs: impl IntoIterator<Item = &'a Allocations>) -> Allocations {
    let mut most = Allocations::new();
    for run in runs {
        for (name, per_call) in run {
            let entry = most.entry(name.clone()).or_insert(*per_call);
            *entry = entry.max(*per_call);
        }
    }
    most
}

const BRANCHES: [&str; 2] = ["├─ ", "╰─ "];

/// The medians of every benchmark in divan's output `text`; more than one binary's output may be
/// concatenated. Lines that are not divan table rows are ignored.
pub fn parse_divan(text: &str) -> Medians {
    let mut medians = Medians::new();
    // The names from the binary down to the current row.
    let mut path: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some((indent, rest)) = split_branch(line) else {
            // A binary's header row: its name, then the column titles.
            if line.contains("fastest") && line.contains("median") {
                path = line
                    .split_whitespace()
                    .next()
                    .map(str::to_owned)
                    .into_iter()
                    .collect();
            }
            continue;
        };
        if path.is_empty() {
            continue;
        }
        // Every level of nesting below the binary adds three characters of prefix.
        let depth = 1 + indent / 3;
        let (name, columns) = split_name(rest);
        path.truncate(depth);
        path.push(name.to_owned());
        // fastest │ slowest │ median │ mean │ samples │ iters
        if let Some(median) = columns.split('│').nth(2).and_then(parse_duration) {
            medians.insert(path.join("/"), median);
        }
    }
    medians
}

/// The prefix length (in characters) before a row's branch, and what follows the branch.
fn split_branch(line: &str) -> Option<(usize, &str)> {
    let (at, branch) = BRANCHES
        .iter()
        .filter_map(|branch| line.find(branch).map(|at| (at, branch)))
        .min_by_key(|(at, _)| *at)?;
    let prefix = &line[..at];
    // The prefix is only tree drawing: anything else means this is not a table row.
    if !prefix.chars().all(|c| c == '│' || c == ' ') {
        return None;
    }
    Some((prefix.chars().count(), &line[at + branch.len()..]))
}

/// A row's name (up to the padding of two or more spaces) and its columns.
fn split_name(rest: &str) -> (&str, &str) {
    match rest.find("  ") {
        Some(end) => (rest[..end].trim(), &rest[end..]),
        None => (rest.trim(), ""),
    }
}

/// Nanoseconds in one of divan's durations: `240.2 ns`, `1.5 µs`, `12 ps`, `2 s`.
pub fn parse_duration(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let value: f64 = parts.next()?.parse().ok()?;
    let scale = match parts.next()? {
        "ps" => 1e-3,
        "ns" => 1.0,
        // Divan writes the micro sign; accept the Greek mu and ASCII too.
        "µs" | "μs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        "d" => 86_400e9,
        _ => return None,
    };
    if parts.next().is_some() || !value.is_finite() {
        return None;
    }
    Some(value * scale)
}

/// The `allocs_per_call <binary>/<variant> <value>` lines in `text`.
pub fn parse_allocations(text: &str) -> Allocations {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if words.next()? != "allocs_per_call" {
                return None;
            }
            let name = words.next()?;
            let value = words.next()?.parse().ok()?;
            Some((name.to_owned(), value))
        })
        .collect()
}

/// Where each number of the summary comes from.
pub mod keys {
    /// Hand-written cached handles with `std::time::Instant`, one thread.
    pub const FLOOR: &str = "peers/floor/t=1";
    /// `#[instrument_metrics]` on the synchronous function, exporter installed, one thread.
    pub const INSTRUMENTED: &str = "instrumented/sync/t=1";
    /// `#[autometrics(track_concurrency)]` on the synchronous function.
    pub const AUTOMETRICS: &str = "autometrics/track_concurrency";
    /// `#[instrument_metrics]` with metrics disabled minus the plain call in the same run, added
    /// by [`add_derived`](super::add_derived).
    pub const DISABLED_OVERHEAD: &str = "disabled/overhead_vs_plain";
    /// Overheads over the plain call of the same process: (row added, instrumented, plain).
    pub const OVERHEADS: [(&str, &str, &str); 6] = [
        (DISABLED_OVERHEAD, "disabled/sync/t=1", "disabled/plain"),
        (
            "disabled/result_overhead_vs_plain",
            "disabled/result",
            "disabled/plain",
        ),
        (
            "disabled/async_overhead_vs_plain_async",
            "disabled/async_ready",
            "disabled/plain_async",
        ),
        (
            "excluded/overhead_vs_plain",
            "excluded/sync/t=1",
            "excluded/plain",
        ),
        (
            "excluded/result_overhead_vs_plain",
            "excluded/result",
            "excluded/plain",
        ),
        (
            "excluded/async_overhead_vs_plain_async",
            "excluded/async_ready",
            "excluded/plain_async",
        ),
    ];
    /// `#[instrument_metrics]`, two threads on the one function, over one thread (per call per
    /// thread), in one process.
    pub const T2_OVER_T1: &str = "instrumented/t2_over_t1";
    /// `#[instrument_metrics]` over two raw time-stamp-counter reads, in one process.
    pub const OVER_CLOCK: &str = "instrumented/over_clock";
    /// Ratios within one process, taken before the runs are combined: (row added, numerator,
    /// denominator). Another tenant on the core slows every instruction here but `rdtsc` for
    /// seconds at a time, so rows of different processes may have been timed in different
    /// states of the machine.
    pub const RATIOS: [(&str, &str, &str); 2] = [
        (T2_OVER_T1, "instrumented/sync/t=2", INSTRUMENTED),
        (OVER_CLOCK, INSTRUMENTED, "instrumented/clock"),
    ];
    /// The binaries of the HTTP layers: axum-prometheus's `PrometheusMetricLayer`,
    /// `HttpMetricsLayer`, and a layer that only wraps the bodies.
    pub const HTTP_LAYERS: [&str; 3] = [HTTP_AXUM_PROMETHEUS, HTTP_OURS, "http_identity"];
    /// axum-prometheus's binary.
    pub const HTTP_AXUM_PROMETHEUS: &str = "http_axum_prometheus";
    /// `HttpMetricsLayer`'s binary.
    pub const HTTP_OURS: &str = "http_ours";

    /// What the layer of `binary` adds to an axum request at `threads` threads: the request
    /// through it minus the same router without it, in the same process.
    pub fn http_overhead(binary: &str, threads: u8) -> String {
        format!("{binary}/overhead/t={threads}")
    }
    /// Variants whose allocations count: the instrumented ones with the exporter installed.
    pub const ALLOCATIONS_PREFIX: &str = "instrumented/";
}

/// The numbers of `scripts/bench`'s last line.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Median ns per call of the hand-written floor, one thread.
    pub floor_ns: f64,
    /// Median ns per call of `#[instrument_metrics]`, one thread.
    pub instrumented_ns: f64,
    /// Median ns per call of `#[autometrics(track_concurrency)]`, one thread.
    pub autometrics_ns: f64,
    /// Disabled `#[instrument_metrics]` minus the plain call, in the same process.
    pub disabled_overhead_ns: f64,
    /// The most allocations per call among the instrumented variants.
    pub allocs_per_call: f64,
    /// Two threads on one function over one thread, per call per thread (median of runs).
    pub t2_over_t1: f64,
    /// The instrumented call over two raw clock reads (median of runs).
    pub over_clock: f64,
    /// What a layer adds to an axum request, one thread: axum-prometheus's, ours (ns).
    pub http_overhead_ns: [f64; 2],
}

impl Summary {
    /// The summary, or the names of the measurements that are missing.
    pub fn compute(medians: &Medians, allocations: &Allocations) -> Result<Summary, String> {
        let get = |key: &str| {
            medians
                .get(key)
                .copied()
                .ok_or_else(|| format!("no median for `{key}` in the divan output"))
        };
        let instrumented_allocations = allocations
            .iter()
            .filter(|(name, _)| name.starts_with(keys::ALLOCATIONS_PREFIX))
            .map(|(_, value)| *value)
            .reduce(f64::max)
            .ok_or_else(|| "no `allocs_per_call instrumented/...` line in the output".to_owned())?;
        Ok(Summary {
            floor_ns: get(keys::FLOOR)?,
            instrumented_ns: get(keys::INSTRUMENTED)?,
            autometrics_ns: get(keys::AUTOMETRICS)?,
            disabled_overhead_ns: get(keys::DISABLED_OVERHEAD)?,
            allocs_per_call: instrumented_allocations,
            t2_over_t1: get(keys::T2_OVER_T1)?,
            over_clock: get(keys::OVER_CLOCK)?,
            http_overhead_ns: [
                get(&keys::http_overhead(keys::HTTP_AXUM_PROMETHEUS, 1))?,
                get(&keys::http_overhead(keys::HTTP_OURS, 1))?,
            ],
        })
    }

    /// What `HttpMetricsLayer` adds to a request, ns.
    pub fn http_overhead_ns(&self) -> f64 {
        self.http_overhead_ns[1]
    }

    /// What our layer adds over what axum-prometheus's adds.
    pub fn http_vs_axum_prometheus(&self) -> f64 {
        self.http_overhead_ns[1] / self.http_overhead_ns[0]
    }

    /// Instrumented over floor: below 1 is faster than the floor.
    pub fn ratio_vs_floor(&self) -> f64 {
        self.instrumented_ns / self.floor_ns
    }

    /// How many times faster than autometrics instrumented calls are.
    pub fn speedup_vs_autometrics(&self) -> f64 {
        self.autometrics_ns / self.instrumented_ns
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "summary: floor_ns={:.1} instrumented_ns={:.1} ratio_vs_floor={:.3} autometrics_ns={:.1} \
             speedup_vs_autometrics={:.2} disabled_overhead_ns={:.2} allocs_per_call={:.5} \
             t2_over_t1={:.3} over_clock={:.3} http_overhead_ns={:.1} http_vs_axum_prometheus={:.3}",
            self.floor_ns,
            self.instrumented_ns,
            self.ratio_vs_floor(),
            self.autometrics_ns,
            self.speedup_vs_autometrics(),
            // `-0.00` reads as a sign of something; a difference that rounds to zero is zero.
            self.disabled_overhead_ns + 0.0,
            self.allocs_per_call,
            self.t2_over_t1,
            self.over_clock,
            self.http_overhead_ns(),
            self.http_vs_axum_prometheus(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEERS: &str = "\
Timer precision: 20 ns
peers                  fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ floor                             │               │               │               │         │
│  ├─ t=1              230.1 ns      │ 410.5 ns      │ 248.2 ns      │ 260 ns        │ 100     │ 3200
│  ╰─ t=2              260.1 ns      │ 610.5 ns      │ 301 ns        │ 320 ns        │ 100     │ 3200
├─ parts                             │               │               │               │         │
│  ├─ instant_now_pair  38 ns        │ 90 ns         │ 41.5 ns       │ 45 ns         │ 100     │ 12800
│  ╰─ nested                         │               │               │               │         │
│     ╰─ t=1           1.1 µs        │ 2 µs          │ 1.25 µs       │ 1.3 µs        │ 100     │ 400
╰─ plain               0.9 ns        │ 3 ns          │ 1.026 ns      │ 1.1 ns        │ 100     │ 102400

allocs_per_call peers/floor                              0.01562
";

    const OTHERS: &str = "\
instrumented     fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ render                      │               │               │               │         │
│  ├─ 1000       120 µs        │ 300 µs        │ 150.5 µs      │ 160 µs        │ 100     │ 100
│  ╰─ 10000      1.5 ms        │ 3 ms          │ 1.75 ms       │ 1.8 ms        │ 100     │ 100
├─ skipped                     │               │               │               │         │
│  ╰─ gone       (ignored)
├─ clock        20 ns         │ 30 ns         │ 40 ns         │ 22 ns         │ 100     │ 3200
╰─ sync                        │               │               │               │         │
   ├─ t=1        150 ns        │ 300 ns        │ 160 ns        │ 170 ns        │ 100     │ 3200
   ╰─ t=2        180 ns        │ 400 ns        │ 200 ns        │ 200 ns        │ 100     │ 3200

allocs_per_call instrumented/sync                        0.00000
allocs_per_call instrumented/async_ready                 0.00100
autometrics      fastest       │ slowest       │ median        │ mean          │ samples │ iters
╰─ track_concurrency  1.5 µs   │ 3 µs          │ 1.6 µs        │ 1.7 µs        │ 100     │ 400
disabled         fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ plain         0.5 ns        │ 1 ns          │ 0.8 ns        │ 0.9 ns        │ 100     │ 102400
╰─ sync                        │               │               │               │         │
   ╰─ t=1        0.9 ns        │ 2 ns          │ 1.3 ns        │ 1.4 ns        │ 100     │ 102400
http_axum_prometheus  fastest  │ slowest       │ median        │ mean          │ samples │ iters
├─ request_none                │               │               │               │         │
│  ╰─ t=1        600 ns        │ 900 ns        │ 640 ns        │ 650 ns        │ 100     │ 32
╰─ request_users               │               │               │               │         │
   ╰─ t=1        1.7 µs        │ 2 µs          │ 1.84 µs       │ 1.8 µs        │ 100     │ 32
http_ours        fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ request_none                │               │               │               │         │
│  ╰─ t=1        600 ns        │ 900 ns        │ 700 ns        │ 650 ns        │ 100     │ 32
╰─ request_users               │               │               │               │         │
   ╰─ t=1        900 ns        │ 1 µs          │ 940 ns        │ 950 ns        │ 100     │ 32
";

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("240.2 ns"), Some(240.2));
        assert_eq!(parse_duration(" 1.5 µs   "), Some(1500.0));
        assert_eq!(parse_duration("12 ps"), Some(0.012));
        assert_eq!(parse_duration("2 ms"), Some(2e6));
        assert_eq!(parse_duration("3 s"), Some(3e9));
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("100"), None);
        assert_eq!(parse_duration("1.5 parsecs"), None);
    }

    #[test]
    fn medians_by_path_through_nested_groups() {
        let medians = parse_divan(PEERS);
        assert_eq!(medians.get("peers/floor/t=1"), Some(&248.2));
        assert_eq!(medians.get("peers/floor/t=2"), Some(&301.0));
        assert_eq!(medians.get("peers/parts/instant_now_pair"), Some(&41.5));
        assert_eq!(medians.get("peers/parts/nested/t=1"), Some(&1250.0));
        assert_eq!(medians.get("peers/plain"), Some(&1.026));
        assert_eq!(medians.len(), 5, "{medians:?}");
    }

    #[test]
    fn concatenated_binaries_and_ignored_rows() {
        let medians = parse_divan(OTHERS);
        assert_eq!(medians.get("instrumented/render/1000"), Some(&150_500.0));
        assert_eq!(medians.get("instrumented/render/10000"), Some(&1_750_000.0));
        assert_eq!(medians.get("instrumented/sync/t=1"), Some(&160.0));
        assert_eq!(medians.get("autometrics/track_concurrency"), Some(&1600.0));
        assert_eq!(medians.get("disabled/sync/t=1"), Some(&1.3));
        assert!(!medians.keys().any(|key| key.contains("gone")));
    }

    #[test]
    fn summary_line() {
        let text = format!("{PEERS}\n{OTHERS}");
        let mut medians = parse_divan(&text);
        add_derived(&mut medians);
        let summary = Summary::compute(&medians, &parse_allocations(&text)).unwrap();
        assert_eq!(
            summary.to_string(),
            "summary: floor_ns=248.2 instrumented_ns=160.0 ratio_vs_floor=0.645 autometrics_ns=1600.0 \
             speedup_vs_autometrics=10.00 disabled_overhead_ns=0.50 allocs_per_call=0.00100 \
             t2_over_t1=1.250 over_clock=4.000 http_overhead_ns=240.0 http_vs_axum_prometheus=0.200"
        );
    }

    #[test]
    fn medians_over_runs() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        let first = parse_divan(PEERS);
        let mut second = first.clone();
        second.insert("peers/floor/t=1".into(), 300.0);
        let mut third = first.clone();
        third.insert("peers/floor/t=1".into(), 100.0);
        let runs = collect_runs([&first, &second, &third]);
        assert_eq!(runs["peers/floor/t=1"], [248.2, 300.0, 100.0]);
        assert_eq!(median_of_runs(&runs)["peers/floor/t=1"], 248.2);
    }

    #[test]
    fn allocations_take_the_most_of_any_run() {
        let first = parse_allocations("allocs_per_call instrumented/sync 0.00000\n");
        let second = parse_allocations("allocs_per_call instrumented/sync 0.01000\n");
        assert_eq!(
            max_allocations([&first, &second])["instrumented/sync"],
            0.01
        );
    }

    #[test]
    fn a_missing_measurement_is_named() {
        let error = Summary::compute(&parse_divan(OTHERS), &parse_allocations(OTHERS)).unwrap_err();
        assert!(error.contains("peers/floor/t=1"), "{error}");
    }
}

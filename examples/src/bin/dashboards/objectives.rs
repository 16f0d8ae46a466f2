//! Objectives in PromQL: which calls an objective covers (functions of every family and HTTP
//! routes, joined to the objective through the target gauges the exporter renders), its error
//! and slow ratios over a window, its budgets, and the names of the recorded series.
//!
//! The exporter renders, per function or route that names an objective, a gauge whose value is
//! the target (`<family>_objective_success_target{module, function, objective} 0.999`,
//! `<family>_objective_latency_target{module, function, objective, latency_le} 0.99`, and the same for
//! `http_objective_*{handler, ...}`). Joining the calls series to them `on` the series' own
//! labels adds the `objective` label, so no call series carries it: the cost is one gauge per
//! function and target, not a label on every bucket.

use crate::options::Options;
use crate::promql::{FAILED_RESULTS, FAILED_STATUSES};
use instrument_metrics_names::{
    OBJECTIVE_LATENCY_TARGET_SUFFIX, OBJECTIVE_SUCCESS_TARGET_SUFFIX, http,
};

/// The windows the ratios are recorded over, as named (the SRE workbook's alert windows, plus
/// 2h and 1d for the dashboard).
pub const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// Stands in for a zero denominator, as in [`crate::promql::zero_safe_ratio`].
const TINY_RATE: &str = "1e-9";

/// A window's length in seconds, as named (`1h` is 3600).
pub fn nominal_seconds(window: &str) -> u64 {
    let (amount, unit) = window.split_at(window.len() - 1);
    let amount: u64 = amount.parse().unwrap_or(0);
    amount
        * match unit {
            "m" => 60,
            "h" => 3600,
            _ => 86_400,
        }
}

/// The window as PromQL reads it: the named one divided by `--window-divisor`, in seconds.
pub fn window_seconds(options: &Options, window: &str) -> u64 {
    nominal_seconds(window) / options.window_divisor
}

/// The range of a window in a selector: `1h`, or `60s` with `--window-divisor 60`.
pub fn range(options: &Options, window: &str) -> String {
    if options.window_divisor == 1 {
        window.to_owned()
    } else {
        format!("{}s", window_seconds(options, window))
    }
}

/// The labels an objective's series keep: `job`, the kept labels, `objective`.
pub fn by_objective(options: &Options) -> String {
    options.by("objective")
}

/// The series of one kind of call an objective may cover.
struct Source {
    /// The labels that identify one function or route on one instance.
    keys: String,
    total: String,
    /// Selects the failed calls.
    failed: String,
    count: String,
    bucket: String,
    success_target: String,
    latency_target: String,
}

fn sources(options: &Options) -> Vec<Source> {
    let mut sources: Vec<Source> = options
        .families
        .iter()
        .map(|family| {
            let full = options.name(family);
            Source {
                keys: options.by("instance, module, function"),
                total: format!("{full}_total"),
                failed: format!(r#"result=~"{FAILED_RESULTS}""#),
                count: format!("{full}_duration_seconds_count"),
                bucket: format!("{full}_duration_seconds_bucket"),
                success_target: format!("{full}{OBJECTIVE_SUCCESS_TARGET_SUFFIX}"),
                latency_target: format!("{full}{OBJECTIVE_LATENCY_TARGET_SUFFIX}"),
            }
        })
        .collect();
    sources.push(Source {
        keys: options.by("instance, handler"),
        total: options.name(http::REQUESTS),
        failed: format!(r#"status=~"{FAILED_STATUSES}""#),
        count: options.name(&format!("{}_count", http::DURATION)),
        bucket: options.name(&format!("{}_bucket", http::DURATION)),
        success_target: options.name(http::OBJECTIVE_SUCCESS_TARGET),
        latency_target: options.name(http::OBJECTIVE_LATENCY_TARGET),
    });
    sources
}

/// `rates` (summed by the source's keys, plus `extra`) with the `objective` label of the
/// target gauge `target`; calls without an objective drop out.
fn with_objective(rates: &str, keys: &str, extra: &str, target: &str) -> String {
    format!(
        "{rates}\n  * on ({keys}{extra}) group_left (objective)\n  group by ({keys}{extra}, objective) ({target})"
    )
}

/// `term(source)` of every source, each in parentheses, joined with `or`, summed by objective.
fn sum_over_sources(options: &Options, term: impl Fn(&Source) -> String) -> String {
    let terms: Vec<String> = sources(options)
        .iter()
        .map(|source| format!("(\n  {}\n)", term(source)))
        .collect();
    let body = terms.join("\nor\n").replace('\n', "\n  ");
    format!("sum by ({}) (\n  {body}\n)", by_objective(options))
}

/// Calls per second of every function and route with a success target, by objective.
pub fn calls(options: &Options, window: &str) -> String {
    rates_with_objective(options, window, |source| {
        (&source.total, &source.success_target)
    })
}

/// The rates of `series` (summed by each source's keys) of the functions and routes with the
/// target gauge `series` names, by objective.
fn rates_with_objective(
    options: &Options,
    window: &str,
    series: impl Fn(&Source) -> (&str, &str),
) -> String {
    let range = range(options, window);
    sum_over_sources(options, |source| {
        let (rates, target) = series(source);
        with_objective(
            &format!("sum by ({}) (rate({rates}[{range}]))", source.keys),
            &source.keys,
            "",
            target,
        )
    })
}

/// Failed calls per second, by objective; 0 where a function or route has no failed series.
pub fn failed_calls(options: &Options, window: &str) -> String {
    let range = range(options, window);
    sum_over_sources(options, |source| {
        let keys = &source.keys;
        let rates = format!(
            "(\n    sum by ({keys}) (rate({}{{{}}}[{range}]))\n    or\n    sum by ({keys}) (rate({}[{range}])) * 0\n  )",
            source.total, source.failed, source.total
        );
        with_objective(&rates, keys, "", &source.success_target)
    })
}

/// Calls per second of every function and route with a latency target, by objective (the
/// histogram's count: every call is timed).
pub fn timed_calls(options: &Options, window: &str) -> String {
    rates_with_objective(options, window, |source| {
        (&source.count, &source.latency_target)
    })
}

/// Calls per second no slower than the latency threshold, by objective: the rate of the bucket
/// whose `le` is the target gauge's `latency_le`. `label_join` copies it to `le` for the join
/// (`label_replace` would need a `$1`, which Grafana takes for a variable); the gauge cannot
/// carry `le` itself, as `promtool check metrics` allows that label on histograms only.
pub fn fast_calls(options: &Options, window: &str) -> String {
    let range = range(options, window);
    sum_over_sources(options, |source| {
        with_objective(
            &format!(
                "sum by ({}, le) (rate({}[{range}]))",
                source.keys, source.bucket
            ),
            &source.keys,
            ", le",
            &format!(
                r#"label_join({}, "le", "", "latency_le")"#,
                source.latency_target
            ),
        )
    })
}

/// `numerator / clamp_min(denominator, 1e-9)`: 0, not NaN, for an objective without calls.
pub fn ratio(numerator: &str, denominator: &str) -> String {
    format!("(\n{numerator}\n)\n/\nclamp_min({denominator}, {TINY_RATE})")
}

/// `1 - target`, by objective, from the target gauges of `target` (`success` or `latency`).
fn budget(options: &Options, target: impl Fn(&Source) -> &str) -> String {
    let targets: Vec<String> = sources(options)
        .iter()
        .map(|source| target(source).to_owned())
        .collect();
    format!(
        "1 - max by ({}) (\n  {}\n)",
        by_objective(options),
        targets.join("\n  or\n  ")
    )
}

pub fn error_budget(options: &Options) -> String {
    budget(options, |source| &source.success_target)
}

pub fn slow_budget(options: &Options) -> String {
    budget(options, |source| &source.latency_target)
}

/// What an objective can run out of: failed calls, or calls slower than the threshold.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Errors,
    Slow,
}

impl Kind {
    pub const BOTH: [Kind; 2] = [Kind::Errors, Kind::Slow];

    fn word(self) -> &'static str {
        match self {
            Kind::Errors => "error",
            Kind::Slow => "slow",
        }
    }

    /// `objective:calls:rate1h`: the calls the ratio is a share of.
    pub fn events(self, window: &str) -> String {
        match self {
            Kind::Errors => format!("objective:calls:rate{window}"),
            Kind::Slow => format!("objective:timed_calls:rate{window}"),
        }
    }

    /// `objective:error_ratio:rate1h`: the share of calls that failed (were slow).
    pub fn ratio(self, window: &str) -> String {
        format!("objective:{}_ratio:rate{window}", self.word())
    }

    /// `objective:error_burn_rate:rate1h`: the ratio over the budget; 1 spends the budget
    /// exactly over the objective's period.
    pub fn burn_rate(self, window: &str) -> String {
        format!("objective:{}_burn_rate:rate{window}", self.word())
    }

    /// `objective:error_budget:ratio`: 1 - the target.
    pub fn budget(self) -> String {
        format!("objective:{}_budget:ratio", self.word())
    }

    pub fn budget_expr(self, options: &Options) -> String {
        match self {
            Kind::Errors => error_budget(options),
            Kind::Slow => slow_budget(options),
        }
    }

    pub fn events_expr(self, options: &Options, window: &str) -> String {
        match self {
            Kind::Errors => calls(options, window),
            Kind::Slow => timed_calls(options, window),
        }
    }

    /// The ratio over a window, computed from the raw series (`events` names the recorded or
    /// computed calls of the same window).
    pub fn ratio_expr(self, options: &Options, window: &str, events: &str) -> String {
        match self {
            Kind::Errors => ratio(&failed_calls(options, window), events),
            Kind::Slow => ratio(
                &format!("{events}\n-\n{}", fast_calls(options, window)),
                events,
            ),
        }
    }
}

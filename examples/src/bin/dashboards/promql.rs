//! PromQL shared by the dashboards, the rules and their unit tests: what counts as a failure,
//! the rule window, the expressions built from them, and the names of the recorded series.

use crate::options::Options;
use instrument_metrics_names::http;

/// Results that count as a failed call: the function returned `Err`, or its body panicked.
/// `cancelled` (a future dropped before it finished, e.g. a client that went away or a timeout
/// elsewhere) is not the function's failure, so it is left out of error ratios.
pub const FAILED_RESULTS: &str = "error|panic";

/// Statuses that count as a failed request: the server's fault, not the client's.
pub const FAILED_STATUSES: &str = "5..";

/// The window of the recorded rates, and of the alerts built on them.
pub const RULE_WINDOW: &str = "5m";

/// Stands in for zero in a denominator so that an idle function's ratio is 0/1e-9 = 0, not
/// 0/0 = NaN. A called function's rate over any window is far above it (one call in an hour is
/// 2.8e-4/s), so it never changes a real ratio.
const TINY_RATE: &str = "1e-9";

/// `(failed or all * 0) / clamp_min(all, 1e-9)`, each side summed `by`.
///
/// Both usual forms go wrong for an idle or never-failing function: `failed / all` is 0/0 = NaN
/// when nothing was called, and when no series of a failing result exists at all (a function
/// that returns no `Result` records only `ok`; HTTP routes have no 5xx series until one fails)
/// the division matches nothing and the panel says "No data". Here `or all * 0` supplies a 0
/// numerator for every group that has calls series but no failed ones, and `clamp_min` turns a
/// zero denominator into 1e-9, so an idle group is 0 / 1e-9 = 0. Failed calls are a subset of
/// all calls, so the numerator is 0 whenever the denominator is.
pub fn zero_safe_ratio(by: &str, failed: &str, all: &str) -> String {
    format!(
        "(\n  sum by ({by}) ({failed})\n  or\n  sum by ({by}) ({all}) * 0\n)\n/\nclamp_min(sum by ({by}) ({all}), {TINY_RATE})"
    )
}

/// `metric{matchers}`, leaving out the braces when there are none.
pub fn selector(metric: &str, matchers: &[String]) -> String {
    if matchers.is_empty() {
        metric.to_owned()
    } else {
        format!("{metric}{{{}}}", matchers.join(", "))
    }
}

/// `rate(metric{matchers}[window])`.
pub fn rate(metric: &str, matchers: &[String], window: &str) -> String {
    format!("rate({}[{window}])", selector(metric, matchers))
}

/// The `q` quantile of the histogram whose bucket rates are `bucket_rate`, per group of `by`.
pub fn histogram_quantile(q: &str, by: &str, bucket_rate: &str) -> String {
    format!("histogram_quantile({q}, sum by (le, {by}) ({bucket_rate}))")
}

/// `matchers` and one more.
pub fn and(matchers: &[String], matcher: &str) -> Vec<String> {
    let mut all = matchers.to_vec();
    all.push(matcher.to_owned());
    all
}

pub fn regex_escape(text: &str) -> String {
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
pub struct Recorded {
    pub rate: String,
    pub errors_ratio: String,
    pub bucket_rate: String,
    pub p99: String,
}

impl Recorded {
    pub fn function(options: &Options, family: &str) -> Recorded {
        let full = options.name(family);
        Recorded {
            rate: format!("function:{full}:rate{RULE_WINDOW}"),
            errors_ratio: format!("function:{full}_errors:ratio_rate{RULE_WINDOW}"),
            bucket_rate: format!("function:{full}_duration_seconds_bucket:rate{RULE_WINDOW}"),
            p99: format!("function:{full}_duration_seconds:p99_rate{RULE_WINDOW}"),
        }
    }

    pub fn http(options: &Options) -> Recorded {
        let requests = options.name("http_requests");
        let duration = options.name(http::DURATION);
        Recorded {
            rate: format!("handler:{requests}:rate{RULE_WINDOW}"),
            errors_ratio: format!("handler:{requests}_5xx:ratio_rate{RULE_WINDOW}"),
            bucket_rate: format!("handler:{duration}_bucket:rate{RULE_WINDOW}"),
            p99: format!("handler:{duration}:p99_rate{RULE_WINDOW}"),
        }
    }
}

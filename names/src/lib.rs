//! Names the `#[instrument_metrics]` attribute (compile time) and the `instrument-metrics`
//! runtime (run time) must agree on, defined once: family names and suffixes, the labels the
//! crate sets itself, and the Prometheus naming rules both check.
//!
//! Depend on `instrument-metrics`; this crate exists so that a proc-macro crate and the runtime
//! share one definition. It has no dependencies and nothing here allocates.

#![no_std]

/// The family base name of a function without `name = "..."`.
pub const DEFAULT_FAMILY: &str = "function_calls";

/// The suffix of the calls counter: `<family>_total`.
pub const CALLS_SUFFIX: &str = "_total";
/// The suffix of the duration histogram: `<family>_duration_seconds`.
pub const DURATION_SUFFIX: &str = "_duration_seconds";
/// The suffix of the in-flight gauge: `<family>_in_flight`.
pub const IN_FLIGHT_SUFFIX: &str = "_in_flight";
/// The suffix of the objective gauge, `<family>_objective_info`: one series per function that
/// names an objective, its targets in the labels.
pub const OBJECTIVE_INFO_SUFFIX: &str = "_objective_info";
/// The suffix of the success target gauge, `<family>_objective_success_target`: the objective's
/// success-rate target as the sample value (`0.999`), for rules that compute `1 - target`.
pub const OBJECTIVE_SUCCESS_TARGET_SUFFIX: &str = "_objective_success_target";
/// The suffix of the latency target gauge, `<family>_objective_latency_target`: the share of
/// calls that must be faster than its `le` as the sample value (`0.99`).
pub const OBJECTIVE_LATENCY_TARGET_SUFFIX: &str = "_objective_latency_target";
/// The suffix of the last-success gauge, `<family>_last_success_timestamp_seconds`.
pub const LAST_SUCCESS_SUFFIX: &str = "_last_success_timestamp_seconds";
/// The suffix of the expected-interval gauge, `<family>_last_success_expected_interval_seconds`.
pub const EXPECTED_INTERVAL_SUFFIX: &str = "_last_success_expected_interval_seconds";

/// Suffixes a family base name must not end in: the crate appends them (a hand-written one would
/// double up, `x_total_total`), or Prometheus gives them meaning (`_count`, `_sum`, `_bucket`).
pub const RESERVED_SUFFIXES: &[&str] = &[
    CALLS_SUFFIX,
    "_count",
    "_sum",
    "_bucket",
    // Before `_seconds`, which they end in, so that an error names the whole suffix.
    LAST_SUCCESS_SUFFIX,
    EXPECTED_INTERVAL_SUFFIX,
    "_seconds",
    IN_FLIGHT_SUFFIX,
    OBJECTIVE_INFO_SUFFIX,
    OBJECTIVE_SUCCESS_TARGET_SUFFIX,
    OBJECTIVE_LATENCY_TARGET_SUFFIX,
];

/// HELP of `<family>_total`.
pub const CALLS_HELP: &str =
    "Calls of instrumented functions, by outcome (ok, error, panic, cancelled).";
/// HELP of `<family>_duration_seconds`.
pub const DURATION_HELP: &str = "Duration of calls of instrumented functions, in seconds.";
/// HELP of `<family>_in_flight`.
pub const IN_FLIGHT_HELP: &str = "Calls of instrumented functions currently running.";
/// HELP of `<family>_objective_info`.
pub const OBJECTIVE_INFO_HELP: &str =
    "The objective an instrumented function counts towards: always 1, its targets in the labels.";
/// HELP of `<family>_objective_success_target`.
pub const OBJECTIVE_SUCCESS_TARGET_HELP: &str = "The share of calls of an instrumented function that must not fail (error or panic): its objective's target.";
/// HELP of `<family>_objective_latency_target`.
pub const OBJECTIVE_LATENCY_TARGET_HELP: &str = "The share of calls of an instrumented function that must end within latency_le seconds: its objective's target.";
/// HELP of `<family>_last_success_timestamp_seconds`.
pub const LAST_SUCCESS_HELP: &str =
    "Unix time of the last ok call of an instrumented function, in seconds; 0 before the first.";
/// HELP of `<family>_last_success_expected_interval_seconds`.
pub const EXPECTED_INTERVAL_HELP: &str =
    "How often an instrumented function is expected to succeed, in seconds.";

/// The labels of the objective gauges (`<family>_objective_info`, `http_objective_info`).
pub mod objective {
    /// The objective's name.
    pub const NAME: &str = "objective";
    /// The success-rate target, as a fraction (`0.999`); only when the objective has one.
    pub const SUCCESS_TARGET: &str = "success_target";
    /// The share of calls that must be faster than `latency_le`, as a fraction (`0.99`).
    pub const LATENCY_TARGET: &str = "latency_target";
    /// The latency threshold, written exactly as the duration histogram's `le` of that bound.
    pub const LATENCY_LE: &str = "latency_le";
}

/// The labels the crate sets on every function's series.
pub mod label {
    /// The function's name, `Type::method` for methods.
    pub const FUNCTION: &str = "function";
    /// The `module_path!()` of the function.
    pub const MODULE: &str = "module";
    /// How the call ended: `ok`, `error`, `panic`, `cancelled`.
    pub const RESULT: &str = "result";
    /// The error variant, for an `Err` whose type is a `MetricLabel`.
    pub const ERROR: &str = "error";
    /// The upper bound of a histogram bucket.
    pub const LE: &str = "le";
}

/// The labels a scrape attaches to every series of a target: a series carrying its own has it
/// renamed to `exported_job`/`exported_instance`.
pub const SCRAPE_TARGET_LABELS: &[&str] = &["job", "instance"];

/// Label names no user label may take: the ones the crate sets, the histogram and summary
/// labels Prometheus defines, and the target labels a scrape attaches (a series carrying its own
/// `job` or `instance` has it renamed to `exported_job`/`exported_instance`). Names starting
/// with `__` are reserved too; [`label_name_problem`] checks both.
pub const RESERVED_LABELS: &[&str] = &[
    label::FUNCTION,
    label::MODULE,
    label::RESULT,
    label::ERROR,
    label::LE,
    "quantile",
    SCRAPE_TARGET_LABELS[0],
    SCRAPE_TARGET_LABELS[1],
];

/// Labels the exporter's HTTP and objective series set. A process-wide custom label goes on
/// every series the exporter renders, so it may not take these either (a series with a label
/// twice fails the whole scrape); a function's own labels may, its series do not carry them.
pub const SERIES_LABELS: &[&str] = &[
    http::HANDLER,
    http::METHOD,
    http::STATUS,
    objective::NAME,
    objective::SUCCESS_TARGET,
    objective::LATENCY_TARGET,
    objective::LATENCY_LE,
];

/// The HTTP layer's families (before the namespace prefix) and their bucket bounds.
pub mod http {
    /// Requests, by route template, method and status.
    pub const REQUESTS: &str = "http_requests_total";
    /// Request duration histogram.
    pub const DURATION: &str = "http_request_duration_seconds";
    /// Request body size summary.
    pub const REQUEST_SIZE: &str = "http_request_size_bytes";
    /// Response body size summary.
    pub const RESPONSE_SIZE: &str = "http_response_size_bytes";
    /// Requests being served.
    pub const IN_PROGRESS: &str = "http_requests_in_progress";
    /// The objectives of routes: one series per route and objective, always 1.
    pub const OBJECTIVE_INFO: &str = "http_objective_info";
    /// HELP of [`OBJECTIVE_INFO`].
    pub const OBJECTIVE_INFO_HELP: &str =
        "The objective an HTTP route counts towards: always 1, its targets in the labels.";
    /// A route's success-rate target, as the sample value (a 5xx status is a failure).
    pub const OBJECTIVE_SUCCESS_TARGET: &str = "http_objective_success_target";
    /// HELP of [`OBJECTIVE_SUCCESS_TARGET`].
    pub const OBJECTIVE_SUCCESS_TARGET_HELP: &str = "The share of requests to an HTTP route that must not fail (5xx status): its objective's target.";
    /// A route's latency target, as the sample value, its threshold in `le`.
    pub const OBJECTIVE_LATENCY_TARGET: &str = "http_objective_latency_target";
    /// HELP of [`OBJECTIVE_LATENCY_TARGET`].
    pub const OBJECTIVE_LATENCY_TARGET_HELP: &str = "The share of requests to an HTTP route that must end within latency_le seconds: its objective's target.";
    /// The label of the route template.
    pub const HANDLER: &str = "handler";
    /// The label of the request method.
    pub const METHOD: &str = "method";
    /// The label of the response status.
    pub const STATUS: &str = "status";
    /// Duration buckets of [`DURATION`], in seconds.
    pub const BUCKETS: &[f64] = &[0.05, 0.1, 0.3, 1.0, 3.0, 5.0];
    /// The `handler` of a request no route matched.
    pub const UNMATCHED: &str = "none";
}

/// What is wrong with a name under the Prometheus text format's rule for metric and label
/// names, `[a-zA-Z_][a-zA-Z0-9_]*`; `None` when it is valid. `:` is left out: Prometheus
/// reserves it for recording rules.
pub fn charset_problem(name: &str) -> Option<NameProblem> {
    let Some(first) = name.chars().next() else {
        return Some(NameProblem::Empty);
    };
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(NameProblem::Character(bad));
    }
    first
        .is_ascii_digit()
        .then_some(NameProblem::StartsWithDigit)
}

/// Why a name is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// A character outside `[a-zA-Z0-9_]`, such as `é`, `-` or `.`.
    Character(char),
    /// The first character is a digit.
    StartsWithDigit,
    /// `__` starts the names Prometheus keeps for itself.
    DoubleUnderscore,
    /// A label the crate sets itself or Prometheus reserves (one of [`RESERVED_LABELS`]).
    ReservedLabel,
    /// A family name ending in a suffix of [`RESERVED_SUFFIXES`].
    ReservedSuffix(&'static str),
}

/// What is wrong with a user's label name (charset, `__`, reserved); `None` when it is valid.
pub fn label_name_problem(name: &str) -> Option<NameProblem> {
    if name.is_empty() {
        return Some(NameProblem::Empty);
    }
    if let Some(problem) = charset_problem(name) {
        return Some(problem);
    }
    if name.starts_with("__") {
        return Some(NameProblem::DoubleUnderscore);
    }
    RESERVED_LABELS
        .contains(&name)
        .then_some(NameProblem::ReservedLabel)
}

/// What is wrong with a namespace or subsystem, the parts of a prefix (charset, `__`); `None`
/// when it is valid.
pub fn name_part_problem(name: &str) -> Option<NameProblem> {
    if name.is_empty() {
        return Some(NameProblem::Empty);
    }
    if let Some(problem) = charset_problem(name) {
        return Some(problem);
    }
    name.starts_with("__")
        .then_some(NameProblem::DoubleUnderscore)
}

/// What is wrong with a family base name (`name = "..."`): a name part that also must not end in
/// a reserved suffix; `None` when it is valid.
pub fn family_name_problem(name: &str) -> Option<NameProblem> {
    if let Some(problem) = name_part_problem(name) {
        return Some(problem);
    }
    RESERVED_SUFFIXES
        .iter()
        .find(|suffix| name.ends_with(*suffix))
        .map(|suffix| NameProblem::ReservedSuffix(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names() {
        assert_eq!(label_name_problem("stage"), None);
        assert_eq!(label_name_problem("_x9"), None);
        assert_eq!(
            label_name_problem("café"),
            Some(NameProblem::Character('é'))
        );
        assert_eq!(label_name_problem("9x"), Some(NameProblem::StartsWithDigit));
        assert_eq!(label_name_problem(""), Some(NameProblem::Empty));
        assert_eq!(charset_problem(""), Some(NameProblem::Empty));
        assert_eq!(
            label_name_problem("__name__"),
            Some(NameProblem::DoubleUnderscore)
        );
        for reserved in RESERVED_LABELS {
            assert_eq!(
                label_name_problem(reserved),
                Some(NameProblem::ReservedLabel)
            );
        }
    }

    #[test]
    fn family_names() {
        assert_eq!(family_name_problem("pipeline_stage"), None);
        assert_eq!(
            family_name_problem("a:b"),
            Some(NameProblem::Character(':'))
        );
        assert_eq!(
            family_name_problem("calls_total"),
            Some(NameProblem::ReservedSuffix("_total"))
        );
        assert_eq!(
            family_name_problem("__x"),
            Some(NameProblem::DoubleUnderscore)
        );
        assert_eq!(name_part_problem("acme"), None);
        assert_eq!(name_part_problem("a.b"), Some(NameProblem::Character('.')));
    }
}

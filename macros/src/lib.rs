//! The `#[instrument_metrics]` attribute and `#[derive(MetricLabel)]`. Depend on
//! `instrument-metrics`, which re-exports them and provides the runtime the expansion calls; this
//! crate alone is not usable.
//!
//! # Pipeline
//!
//! One way, as in serde and thiserror: parse -> check -> expand. Every step reports its errors
//! into one collector (`errors::Errors`) and goes on, so all mistakes of an attribute are shown
//! together, each spanned on the offending token; on error the item is still emitted (as
//! written), so no secondary errors follow.
//!
//! Which file owns what:
//!
//! - `lib.rs`: the entry points and their user documentation.
//! - `expand.rs`: the attribute's pipeline (`attribute`: parse, check, expand, an impl block
//!   method by method) and the code generated for one function.
//! - `attr.rs`: parse the arguments into a typed `Args`; only their form is checked.
//! - `list.rs`: a comma-separated list parsed item by item, each error reported where it is.
//! - `rules.rs`: check what the arguments say: naming rules (from `instrument-metrics-names`),
//!   labels, buckets, `skip`.
//! - `target.rs`: what the attribute is put on (a function, a method, an impl block) and the
//!   errors for what it cannot instrument.
//! - `future.rs`: find a body's tail (or sole) `async` block, a body that only awaits, and the
//!   `Output` of a returned future.
//! - `body.rs`: what the user's body does that decides the expansion's form: whether an `async
//!   fn` awaits, which parameters the closure it runs in must move.
//! - `types.rs`: the function's types written in the body (`impl Trait` inferred, named
//!   lifetimes `'_`).
//! - `docs.rs`: the "Metrics" section appended to a documented function's rustdoc (queries,
//!   and graph links when `PROMETHEUS_URL` is set at build time).
//! - `derive.rs`: `#[derive(MetricLabel)]`, parse, check and expand in one small file; on error
//!   a placeholder impl comes with the errors. Its `crate = ..` is read as the attribute's is.
//! - `errors.rs`: the one error collector.
//!
//! Imports go one way, from the entry towards the leaves, and form no cycle:
//!
//! ```text
//! lib -> expand -> rules -> attr -> list -> errors
//!        expand -> attr, body, docs, target, future, types, errors
//!                  docs -> attr
//!                  body -> types -> future
//!                  rules -> errors, attr -> errors
//! lib -> derive -> attr, errors
//! ```
//!
//! Names the runtime also spells (reserved labels, suffixes, the naming rules) come from
//! `instrument-metrics-names`, never from a list of this crate's own.

mod attr;
mod body;
mod derive;
mod docs;
mod errors;
mod expand;
mod future;
mod list;
mod rules;
mod target;
mod types;

use proc_macro::TokenStream;

/// Records calls, outcomes, durations and in-flight counts of a function, or of every method of
/// an impl block.
///
/// Arguments, all optional, in any order:
///
/// ```text
/// #[instrument_metrics(
///     name = "pipeline_stage",                    // families pipeline_stage_{total,duration_seconds,in_flight}
///     labels(pipeline = "ingest", kind = job.kind, retry),  // literal, expression, `retry = retry`
///     buckets = [0.005, 0.05, 0.5, 5],           // this function's histogram bounds, in seconds
///     in_flight = false,                          // no in-flight gauge
///     objective = CHECKOUT,                       // a `const Objective` this function counts towards
///     last_success = "15m",                       // or `last_success`: the time of its last ok call
///     crate = my_facade::instrument_metrics,      // the runtime, reached through a re-export
/// )]                                              // (or a string: crate = "my_facade::instrument_metrics")
/// #[instrument_metrics(skip)]                     // on a method of an instrumented impl block
/// ```
///
/// - `name`: `[a-zA-Z_][a-zA-Z0-9_]*` (ASCII only), not starting with `__`, without the suffixes
///   the crate adds or Prometheus gives meaning (`_total`, `_count`, `_sum`, `_bucket`,
///   `_seconds`, `_in_flight`, `_objective_info`, `_objective_success_target`,
///   `_objective_latency_target`, `_last_success_timestamp_seconds`,
///   `_last_success_expected_interval_seconds`).
/// - `labels`: names of ASCII letters, digits and `_` (a Rust identifier may be Unicode, a
///   Prometheus label name may not), not reserved (`function`, `module`, `result`, `error`, `le`,
///   `quantile`, `job`, `instance`, `__*`) and not repeated; values that are non-empty string
///   literals or expressions whose type implements `instrument_metrics::MetricLabel`.
///   Expressions may use the function's parameters and are evaluated when the call starts. A
///   `String`, `&str` or integer value is a compile error on the expression: label values must
///   come from a bounded set.
/// - `buckets`: number literals, at least one, positive, finite, strictly increasing.
/// - `objective`: a path to a `const` `instrument_metrics::Objective`; with literal `buckets`,
///   its latency threshold must be one of them (a compile error on `objective` otherwise),
///   without, one of the default buckets (`install()` returns an error naming the function).
///   Adds `<name>_objective_info{function,module,objective,..} 1`, and the targets as values,
///   `<name>_objective_success_target` and `<name>_objective_latency_target{..,latency_le}`.
/// - `last_success`: adds `<name>_last_success_timestamp_seconds`, the Unix time of the last
///   `ok` call (0 before the first); `last_success = "15m"` also
///   `<name>_last_success_expected_interval_seconds`. The interval is a whole number above zero
///   and a unit, `s`, `m`, `h` or `d`.
/// - `crate`: a path, or a string literal holding one (as `#[serde(crate = "..")]` takes it).
/// - On an `impl` block, the arguments apply to every method but `const fn`s; a method's own
///   attribute overrides them argument by argument (labels by name), and `skip` opts it out.
///
/// A function returning `Result<T, E>` whose `E` implements `MetricLabel` counts each error with
/// `error="<variant>"`.
///
/// A function with doc comments gets a "Metrics" section appended to them: the queries for its
/// call rate, error ratio and p99 latency, linked to their graphs when `PROMETHEUS_URL` is set
/// at build time. A function without docs gets none, so `missing_docs` still reports it.
///
/// Every mistake is a compile error on the offending token, all of one attribute's mistakes
/// together, with the original item still emitted so no other errors follow. The
/// `instrument-metrics` crate documents the metric model, with a compiled example per option.
#[proc_macro_attribute]
pub fn instrument_metrics(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(args.into(), item.into()).into()
}

/// Implements `MetricLabel` for an enum: each variant is a label value, its name in snake_case
/// (`BadInput` -> `bad_input`), whatever fields it has.
///
/// ```text
/// #[derive(MetricLabel)]
/// #[metric_label(crate = my_facade::instrument_metrics)]   // optional: the runtime's path (or "path")
/// enum StageError {
///     Timeout,                                // "timeout"
///     BadInput(String),                       // "bad_input"
///     #[metric_label(rename = "unavailable")]
///     SinkDown { retry_in_ms: u64 },          // "unavailable"
/// }
/// ```
///
/// It is a compile error on a struct or union, when two variants have the same value, and for
/// an empty or unknown `metric_label` argument; the error comes with a placeholder impl, so the
/// type's uses add no errors of their own. See `instrument_metrics::MetricLabel`, with
/// compiled examples.
#[proc_macro_derive(MetricLabel, attributes(metric_label))]
pub fn derive_metric_label(input: TokenStream) -> TokenStream {
    derive::metric_label(input.into()).into()
}

#[cfg(test)]
mod tests {
    use instrument_metrics_names::{RESERVED_LABELS, RESERVED_SUFFIXES};

    /// The attribute's documentation spells the reserved names; it must keep up with the names
    /// crate.
    #[test]
    fn documentation_lists_every_reserved_name() {
        let docs = include_str!("lib.rs");
        for name in RESERVED_LABELS.iter().chain(RESERVED_SUFFIXES) {
            assert!(
                docs.contains(&format!("`{name}`")),
                "{name} is not documented"
            );
        }
    }
}

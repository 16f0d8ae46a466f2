//! The `#[instrument_metrics]` attribute. Depend on `instrument-metrics`, which re-exports it and
//! provides the runtime the expansion calls; this crate alone is not usable.
//!
//! The pipeline follows serde and thiserror: `attr` parses the arguments into a typed struct,
//! `check` and `rules` reject what cannot be instrumented, and `expand` generates the code. Errors are
//! combined and spanned on the offending tokens; on error the original item is still emitted so
//! no secondary errors appear.

mod attr;
mod check;
mod derive;
mod expand;
mod future;
mod list;
mod rules;

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
///     crate = my_facade::instrument_metrics,      // the runtime, reached through a re-export
/// )]
/// #[instrument_metrics(skip)]                     // on a method of an instrumented impl block
/// ```
///
/// - `name`: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, without the suffixes the crate
///   adds (`_total`, `_count`, `_sum`, `_bucket`, `_seconds`, `_in_flight`).
/// - `labels`: names that are not reserved (`function`, `module`, `result`, `error`, `le`,
///   `quantile`, `__*`) and not repeated; values that are non-empty string literals or
///   expressions whose type implements `instrument_metrics::MetricLabel`. Expressions may use
///   the function's parameters and are evaluated when the call starts. A `String`, `&str` or
///   integer value is a compile error on the expression: label values must come from a bounded
///   set.
/// - `buckets`: number literals, at least one, positive, finite, strictly increasing.
/// - On an `impl` block, the arguments apply to every method but `const fn`s; a method's own
///   attribute overrides them argument by argument (labels by name), and `skip` opts it out.
///
/// A function returning `Result<T, E>` whose `E` implements `MetricLabel` counts each error with
/// `error="<variant>"`.
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
/// #[metric_label(crate = my_facade::instrument_metrics)]   // optional: the runtime's path
/// enum StageError {
///     Timeout,                                // "timeout"
///     BadInput(String),                       // "bad_input"
///     #[metric_label(rename = "unavailable")]
///     SinkDown { retry_in_ms: u64 },          // "unavailable"
/// }
/// ```
///
/// It is a compile error on a struct or union, when two variants have the same value, and for
/// an empty or unknown `metric_label` argument. See `instrument_metrics::MetricLabel`, with
/// compiled examples.
#[proc_macro_derive(MetricLabel, attributes(metric_label))]
pub fn derive_metric_label(input: TokenStream) -> TokenStream {
    derive::metric_label(input.into()).into()
}

//! The `#[instrument_metrics]` attribute. Depend on `instrument-metrics`, which re-exports it and
//! provides the runtime the expansion calls; this crate alone is not usable.
//!
//! The pipeline follows serde and thiserror: [`attr`] parses the arguments into a typed struct,
//! [`check`] rejects what cannot be instrumented, and [`expand`] generates the code. Errors are
//! combined and spanned on the offending tokens; on error the original item is still emitted so
//! no secondary errors appear.

mod attr;
mod check;
mod derive;
mod expand;
mod future;
mod rules;

use proc_macro::TokenStream;

/// Records calls, outcomes, durations and in-flight counts of a function.
///
/// See the `instrument-metrics` crate for the metric model and examples.
#[proc_macro_attribute]
pub fn instrument_metrics(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(args.into(), item.into()).into()
}

/// Implements `MetricLabel` for an enum: each variant is a label value.
///
/// See `instrument_metrics::MetricLabel`.
#[proc_macro_derive(MetricLabel, attributes(metric_label))]
pub fn derive_metric_label(input: TokenStream) -> TokenStream {
    derive::metric_label(input.into()).into()
}

//! The metric model every other part speaks: the `result` label's values ([`Outcome`]), label
//! values from bounded sets ([`MetricLabel`], [`LabelValue`]), service level objectives
//! ([`Objective`]), and the names shared with the
//! attribute (re-exported from `instrument-metrics-names` as [`names`]).
//!
//! Owns: vocabulary only, no state and no I/O. Imports: nothing of this crate.

mod metric_label;
mod objective;
mod outcome;
mod trace_context;

pub use metric_label::{LabelValue, MetricLabel};
pub use objective::Objective;
pub(crate) use objective::fraction;
pub use outcome::Outcome;
pub use trace_context::TraceContext;

pub(crate) use instrument_metrics_names as names;

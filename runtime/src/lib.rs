//! One attribute makes a function observable in Prometheus; one call in `main` serves the
//! metrics.
//!
//! ```no_run
//! use instrument_metrics::instrument_metrics;
//!
//! #[instrument_metrics]
//! fn extract(rows: &[u32]) -> Result<Vec<u32>, std::io::Error> {
//!     Ok(rows.to_vec())
//! }
//!
//! fn main() -> Result<(), instrument_metrics::Error> {
//!     let exporter = instrument_metrics::install()?; // serves GET /metrics on METRICS_ADDR
//!     extract(&[1, 2, 3]).ok();
//!     println!("{}", exporter.render());
//!     Ok(())
//! }
//! ```
//!
//! Every instrumented function records three families:
//!
//! | family | type | labels |
//! |---|---|---|
//! | `function_calls_total` | counter | `function`, `module`, `result` |
//! | `function_calls_duration_seconds` | histogram | `function`, `module` |
//! | `function_calls_in_flight` | gauge | `function`, `module` |
//!
//! `result` is `ok`, `error` (the function returned `Err`), `panic` (its body unwound) or
//! `cancelled` (its future was dropped before completing). Durations use a monotonic clock.
//!
//! Instrumented functions record into whatever `metrics` recorder is active when they run: the
//! one `install()` sets, another global recorder, or a thread-local one set in a test. Before any
//! recorder exists a call records nothing and costs a few loads.
//!
//! # Attribute options
//!
//! | argument | effect | checked at compile time |
//! |---|---|---|
//! | `name = "pipeline_stage"` | the families become `pipeline_stage_total`, `pipeline_stage_duration_seconds`, `pipeline_stage_in_flight` | charset `[a-zA-Z_][a-zA-Z0-9_]*`, no `__` prefix, no `_total`, `_count`, `_sum`, `_bucket`, `_seconds`, `_in_flight` suffix |
//! | `labels(pipeline = "ingest", kind = job.kind, retry)` | literal labels, and labels whose values come from expressions of a [`MetricLabel`] type; `retry` alone means `retry = retry` | names valid, not reserved (`function`, `module`, `result`, `error`, `le`, `quantile`, `__*`), not repeated; literals not empty; expressions implement [`MetricLabel`] |
//! | `buckets = [0.01, 0.1, 1]` | this function's histogram bounds, in seconds | number literals, at least one, positive, finite, strictly increasing |
//! | `in_flight = false` | no in-flight gauge for this function | a `bool` literal |
//! | `crate = path` | the runtime's path, for code that reaches it through a re-export | a path |
//! | `skip` | on a method of an instrumented impl block: leave it alone | nothing else beside it |
//!
//! A mistake is a compile error on the offending token that says what to write instead; all
//! mistakes in one attribute are reported together, and an unknown argument lists the accepted
//! ones with a suggestion for a near miss (`bucket` -> `buckets`).
//!
//! ## `name` and `labels`
//!
//! Functions that do the same job under different names share a family and tell their series
//! apart by literal labels; an expression label adds one series per value of its type.
//!
//! ```
//! use instrument_metrics::{MetricLabel, instrument_metrics};
//!
//! #[derive(Clone, Copy, MetricLabel)]
//! enum Kind {
//!     Full,
//!     Incremental,
//! }
//!
//! #[instrument_metrics(name = "pipeline_stage", labels(pipeline = "ingest", stage = "extract"))]
//! fn extract(rows: &[u32]) -> Vec<u32> {
//!     rows.to_vec()
//! }
//!
//! #[instrument_metrics(name = "pipeline_stage", labels(pipeline = "ingest", stage = "load", kind))]
//! fn load(rows: Vec<u32>, kind: Kind) -> usize {
//!     rows.len()
//! }
//!
//! let exporter = instrument_metrics::Builder::new().without_listener().install()?;
//! load(extract(&[1, 2, 3]), Kind::Incremental);
//! let text = exporter.render();
//! assert!(text.contains(r#",pipeline="ingest",stage="extract",result="ok"} 1"#));
//! assert!(text.contains(r#",pipeline="ingest",stage="load",kind="incremental",result="ok"} 1"#));
//! // Every value of `kind` has its series from the first call on.
//! assert!(text.contains(r#",pipeline="ingest",stage="load",kind="full",result="ok"} 0"#));
//! # Ok::<(), instrument_metrics::Error>(())
//! ```
//!
//! A label value must come from a bounded set: a string literal, or a value whose type
//! implements [`MetricLabel`] (`bool`, [`std::cmp::Ordering`], [`std::net::IpAddr`] and
//! [`std::net::SocketAddr`] by version, and enums that derive it). A `String`, a `&str`, an
//! integer, or anything else is refused where it is written:
//!
//! ```compile_fail,E0277
//! # use instrument_metrics::instrument_metrics;
//! #[instrument_metrics(labels(customer))]
//! fn bill(customer: String) -> usize {
//!     customer.len()
//! }
//! // error[E0277]: `String` cannot be a metric label value: label values must come from a bounded set
//! ```
//!
//! ## Errors as labels
//!
//! When a function returns `Result<T, E>` and `E` implements [`MetricLabel`], each error is
//! counted with its variant in an `error` label, next to `result="error"`:
//!
//! ```
//! use instrument_metrics::{MetricLabel, instrument_metrics};
//!
//! #[derive(Debug, MetricLabel)]
//! enum StageError {
//!     Timeout,
//!     BadInput(String),
//!     #[metric_label(rename = "unavailable")]
//!     SinkDown { retry_in_ms: u64 },
//! }
//!
//! #[instrument_metrics(name = "pipeline_stage", labels(stage = "transform"))]
//! fn transform(line: &str) -> Result<u32, StageError> {
//!     line.parse().map_err(|_| StageError::BadInput(line.to_owned()))
//! }
//!
//! let exporter = instrument_metrics::Builder::new().without_listener().install()?;
//! transform("12").unwrap();
//! transform("x").unwrap_err();
//! let text = exporter.render();
//! assert!(text.contains(r#"stage="transform",result="ok"} 1"#));
//! assert!(text.contains(r#"stage="transform",result="error",error="bad_input"} 1"#));
//! // The other variants show at 0 from the first error on; `result="error"` without an `error`
//! // label stays 0 for this function.
//! assert!(text.contains(r#"stage="transform",result="error",error="timeout"} 0"#));
//! assert!(text.contains(r#"stage="transform",result="error",error="unavailable"} 0"#));
//! assert!(text.contains(r#"stage="transform",result="error"} 0"#));
//! # Ok::<(), instrument_metrics::Error>(())
//! ```
//!
//! ## `buckets` and `in_flight`
//!
//! ```
//! use instrument_metrics::instrument_metrics;
//!
//! /// A cache lookup: microseconds, not the default 5 ms to 10 s, and no gauge.
//! #[instrument_metrics(buckets = [0.0001, 0.001, 0.01], in_flight = false)]
//! fn lookup(key: u32) -> Option<u32> {
//!     key.checked_mul(2)
//! }
//!
//! let exporter = instrument_metrics::Builder::new().without_listener().install()?;
//! lookup(21);
//! let text = exporter.render();
//! assert!(text.contains(r#"function="lookup","#));
//! assert!(text.contains(r#",le="0.0001"}"#) && text.contains(r#",le="0.01"}"#));
//! assert!(!text.contains(r#"function_calls_in_flight{function="lookup""#));
//! # Ok::<(), instrument_metrics::Error>(())
//! ```
//!
//! ## `crate = path`
//!
//! Generated code names the runtime as `::instrument_metrics`; a crate that depends on it only
//! through a re-export says where it is (`#[metric_label(crate = path)]` does the same for the
//! derive):
//!
//! ```
//! mod facade {
//!     pub use instrument_metrics as metrics;
//! }
//!
//! #[derive(facade::metrics::MetricLabel)]
//! #[metric_label(crate = facade::metrics)]
//! enum Tier {
//!     Free,
//!     Paid,
//! }
//!
//! #[facade::metrics::instrument_metrics(crate = facade::metrics, labels(tier))]
//! fn charge(tier: Tier) -> u32 {
//!     tier as u32
//! }
//! # assert_eq!(charge(Tier::Paid) + charge(Tier::Free), 1);
//! ```
//!
//! ## Impl blocks
//!
//! On an `impl` block (inherent or trait impl) the attribute instruments every method except
//! `const fn`s, labelled `Type::method`, with the block's arguments. A method's own
//! `#[instrument_metrics(...)]` overrides them argument by argument (labels by name), and
//! `#[instrument_metrics(skip)]` leaves a method alone:
//!
//! ```
//! use instrument_metrics::instrument_metrics;
//!
//! struct Warehouse {
//!     rows: usize,
//! }
//!
//! #[instrument_metrics(name = "warehouse", labels(store = "disk"))]
//! impl Warehouse {
//!     fn write(&mut self, rows: usize) -> usize {
//!         self.rows += rows;
//!         self.rows
//!     }
//!
//!     #[instrument_metrics(labels(store = "memory"), in_flight = false)]
//!     fn cached(&self) -> usize {
//!         self.rows
//!     }
//!
//!     #[instrument_metrics(skip)]
//!     fn is_empty(&self) -> bool {
//!         self.rows == 0
//!     }
//! }
//!
//! let exporter = instrument_metrics::Builder::new().without_listener().install()?;
//! let mut warehouse = Warehouse { rows: 0 };
//! warehouse.write(3);
//! assert!(!warehouse.is_empty());
//! assert_eq!(warehouse.cached(), 3);
//! let text = exporter.render();
//! assert!(text.contains(r#"warehouse_total{function="Warehouse::write","#));
//! assert!(text.contains(r#",store="disk",result="ok"} 1"#));
//! assert!(text.contains(r#",store="memory",result="ok"} 1"#));
//! assert!(!text.contains("Warehouse::is_empty"));
//! # Ok::<(), instrument_metrics::Error>(())
//! ```
//!
//! # What is zero-initialised
//!
//! `rate()` and `increase()` only see a change between two samples, so a series that appears
//! with its first increment hides that increment. `install()` therefore registers, at 0, the
//! series of every instrumented function it can know in advance, called or not:
//!
//! - A function without expression labels (no labels, or only literal ones): its `_total`
//!   counters for `ok`, `error`, `panic` and `cancelled`, its histogram (every bucket, `_sum`,
//!   `_count`) and its in-flight gauge, as soon as `install()` returns.
//! - A function with expression labels: nothing until its first call, which registers every
//!   combination of its labels' values (the product of their [`MetricLabel::VALUES`]) at once.
//! - `error="<variant>"` series: at the first error of a series, every variant of the error type
//!   at once; before that, only the `result="error"` series without an `error` label, at 0.
//!
//! Functions excluded by `METRICS_EXCLUDED_HANDLERS` get no series; with a recorder other than
//! the one [`install`] sets (another global recorder, or a test's thread-local one), series
//! appear with their first call.

#![cfg_attr(docsrs, feature(doc_cfg))]

// The layout, one folder per concern; imports flow down this list, never up (ARCHITECTURE.md):
//
//   serve/        install(), Exporter, /metrics endpoint, listener, axum embedding, push
//   config/       Builder, env variables, parsers, defaults -> one validated Config
//   http/         the tower layer for HTTP request metrics
//   record/       the per-call hot path: call sites, guards, futures, clock, outcome
//   exposition/   series storage and the one writer of the text format
//   model/        Outcome, MetricLabel, LabelValue, the names shared with the macro
//
// `error` is shared by config and serve; `testing` stands alone; `__private` is what expanded
// code calls.

#[cfg(feature = "exporter")]
mod config;
#[cfg(feature = "exporter")]
mod error;
// Without the exporter nothing installs the registry, so its rendering side is unused.
#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
mod exposition;
#[cfg(feature = "http")]
pub mod http;
mod model;
mod record;
#[cfg(feature = "exporter")]
mod serve;

pub use instrument_metrics_macros::MetricLabel;
pub use instrument_metrics_macros::instrument_metrics;
pub use model::MetricLabel;

#[cfg(feature = "exporter")]
pub use config::{Builder, DEFAULT_BUCKETS};
#[cfg(feature = "exporter")]
pub use error::Error;
#[cfg(feature = "exporter")]
pub use exposition::BuildInfo;
#[cfg(feature = "exporter")]
pub use serve::{Exporter, install};

#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

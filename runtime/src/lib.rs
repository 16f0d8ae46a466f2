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
//! [`name = "..."`](crate::guide::attribute) renames the families, labels add to them, and the
//! [HTTP layer](crate::guide::http_layer) records families of its own.
//!
//! Instrumented functions record into whatever `metrics` recorder is active when they run: the
//! one [`install`] sets, another global recorder, or a thread-local one set in a test. Before
//! any recorder exists a call records nothing and costs a few loads.
//!
//! # The guide
//!
//! The [`guide`] has every topic, each example a doctest:
//!
//! - [the attribute](crate::guide::attribute): where it goes, its options (the table of
//!   `name`, `labels`, `buckets`, `in_flight`, `crate`, `skip`), errors as labels, impl blocks;
//! - [cardinality](crate::guide::cardinality): label values from bounded sets, [`MetricLabel`];
//! - [zero-initialisation](crate::guide::zero_init): which series exist before the first call;
//! - [configuration](crate::guide::configuration): the environment variables, [`Builder`], the
//!   `/metrics` endpoint;
//! - [push](crate::guide::push), [embedding in axum](crate::guide::embedding), [the HTTP
//!   layer](crate::guide::http_layer);
//! - [instrumenting a library](crate::guide::library), [testing](crate::guide::testing);
//! - [dashboards and alerts](crate::guide::dashboards), [running at scale](crate::guide::at_scale),
//!   [the examples](crate::guide::examples).

#![cfg_attr(docsrs, feature(doc_cfg))]

// The layout, one folder per concern; imports flow down this list, never up (ARCHITECTURE.md):
//
//   serve/        install(), Exporter, /metrics endpoint, listener, axum embedding, push
//   config/       Builder, env variables, parsers, defaults -> one validated Config
//   http/         the tower layer for HTTP request metrics
//   record/       the per-call hot path: call sites, guards, futures, outcome
//   exposition/   series storage and the one writer of the text format
//   model/        Outcome, MetricLabel, LabelValue, the names shared with the macro
//   clock         the monotonic clock of durations and exemplar sampling
//
// `error` is shared by config and serve; `testing` stands alone; `__private` is what expanded
// code calls.

mod clock;
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
#[cfg(feature = "exporter")]
pub use model::TraceContext;
pub use model::{MetricLabel, Objective};

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

pub mod guide;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

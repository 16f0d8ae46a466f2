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

mod callsite;
mod clock;
mod future;
mod guard;
mod label;
mod metric_label;
mod outcome;
mod recorder;
// Without the exporter nothing installs the registry, so its rendering side is unused.
#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
mod series;
mod settings;

#[cfg(feature = "exporter")]
mod build_info;
#[cfg(feature = "exporter")]
mod builder;
#[cfg(feature = "exporter")]
mod config;
#[cfg(feature = "axum")]
mod embed;
#[cfg(feature = "exporter")]
mod endpoint;
#[cfg(feature = "exporter")]
mod error;
#[cfg(feature = "exporter")]
mod exporter;
#[cfg(feature = "exporter")]
mod listener;

#[cfg(feature = "http")]
pub mod http;
#[cfg(all(feature = "exporter", feature = "process"))]
mod process;
#[cfg(feature = "exporter")]
mod push;

pub use instrument_metrics_macros::MetricLabel;
pub use instrument_metrics_macros::instrument_metrics;
pub use metric_label::MetricLabel;

#[cfg(feature = "exporter")]
pub use build_info::BuildInfo;
#[cfg(feature = "exporter")]
pub use builder::Builder;
#[cfg(feature = "exporter")]
pub use error::Error;
#[cfg(feature = "exporter")]
pub use exporter::{DEFAULT_BUCKETS, Exporter, install};

#[cfg(feature = "testing")]
pub mod testing;

pub mod guide;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

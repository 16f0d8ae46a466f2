//! Series storage and the text exposition: the call sites' series as plain atomics, the
//! registry of the installed exporter, and the one writer of the exposition format
//! ([`text`]) that renders them, `build_info` and the process metrics; [`openmetrics`]
//! translates that text into OpenMetrics, with the [`exemplar`]s kept per histogram bucket.
//!
//! Owns: what is stored per series and every line of the format this crate writes itself.
//! Imports: [`crate::model`] only. The recording path writes into [`CallSeries`]; serving
//! reads [`Registry::render`].

mod build_info;
pub(crate) mod exemplar;
pub(crate) mod openmetrics;
#[cfg(feature = "process")]
mod process;
mod registry;
mod series;
pub(crate) mod text;

#[cfg(feature = "exporter")]
pub use build_info::BuildInfo;
#[cfg(feature = "exporter")]
pub(crate) use registry::{Installation, begin_install, finish_install};
pub(crate) use registry::{Registry, registry};
pub(crate) use series::{CallSeries, FamilyNames};

//! Series storage and the text exposition: the call sites' and the HTTP routes' series in
//! per-thread shards ([`shards`]), the registry of the installed exporter, and the one writer
//! of the exposition format ([`text`]) that renders them, `build_info` and the process metrics;
//! [`openmetrics`] translates that text into OpenMetrics, with the [`exemplar`]s kept per
//! histogram bucket.
//!
//! Owns: what is stored per series and every line of the format this crate writes itself.
//! Imports: [`crate::model`] only. The recording path writes into [`CallSeries`]; serving
//! reads [`Registry::render`].

mod build_info;
pub(crate) mod exemplar;
#[cfg(feature = "http")]
mod http_families;
#[cfg(feature = "http")]
mod http_series;
mod objectives;
pub(crate) mod openmetrics;
#[cfg(feature = "process")]
mod process;
mod registry;
mod series;
mod shards;
pub(crate) mod text;

#[cfg(feature = "exporter")]
pub use build_info::BuildInfo;
#[cfg(feature = "exporter")]
pub(crate) use objectives::check_all as check_objectives;
#[cfg(feature = "http")]
pub(crate) use objectives::declare_route;
pub use objectives::{OBJECTIVE_SITES, ObjectiveSite};
#[cfg(feature = "exporter")]
pub(crate) use registry::{Installation, begin_install, finish_install};
pub(crate) use registry::{Registry, registry};
pub(crate) use series::{CallSeries, FamilyNames};
#[cfg(feature = "http")]
pub(crate) use {
    http_families::{
        DURATION_HELP as HTTP_DURATION_HELP, IN_PROGRESS_HELP as HTTP_IN_PROGRESS_HELP,
        REQUEST_SIZE_HELP as HTTP_REQUEST_SIZE_HELP, REQUESTS_HELP as HTTP_REQUESTS_HELP,
        RESPONSE_SIZE_HELP as HTTP_RESPONSE_SIZE_HELP,
    },
    http_series::{HttpFinished, HttpSeries},
};

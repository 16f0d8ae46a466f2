//! Every default of `install()`, in one place.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use crate::exposition::BuildInfo;
use crate::exposition::exemplar::Source;

/// Default duration buckets, in seconds.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Where `/metrics` is served: every interface, port 9000.
pub(crate) const DEFAULT_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 9000));

pub(crate) const DEFAULT_PUSH_INTERVAL: Duration = Duration::from_secs(10);

/// The default push `job`: the executable's name.
pub(crate) fn push_job() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "instrument_metrics".to_owned())
}

/// What `build_info` reports when it is not told: the executable's name, version `unknown`.
pub(crate) fn build_info() -> BuildInfo {
    BuildInfo::new(&push_job(), "unknown", None)
}

/// Where instrumented functions find their trace without a user hook: the current
/// OpenTelemetry context (feature `opentelemetry`), or nowhere.
pub(crate) fn exemplar_source() -> Option<Source> {
    #[cfg(feature = "opentelemetry")]
    return Some(std::sync::Arc::new(
        crate::model::TraceContext::current_opentelemetry,
    ));
    #[cfg(not(feature = "opentelemetry"))]
    None
}

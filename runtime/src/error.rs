//! The one error type of installation.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Why `install()` did not install anything.
///
/// Every failure leaves the process as it was: no recorder, no bound socket, no thread.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A setting holds a value that does not parse or is not allowed.
    Invalid {
        /// Where it came from: the environment variable (`METRICS_ADDR`) or the `Builder`
        /// method (`Builder::namespace`).
        origin: &'static str,
        /// What it held.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// `install()` already succeeded in this process.
    AlreadyInstalled,
    /// Another global `metrics` recorder is set; there can be only one per process.
    RecorderAlreadySet,
    /// The `/metrics` listener could not bind its address.
    Bind {
        /// The address it tried.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
    /// A background thread could not be started.
    Spawn(io::Error),
    /// An instrumented function's objective does not fit it: its latency threshold is not one of
    /// the function's duration buckets, or another function has an objective of the same name
    /// with other targets.
    Objective {
        /// The function, `module::function`.
        function: String,
        /// What is wrong.
        detail: String,
    },
    /// A push to the Pushgateway failed.
    Push {
        /// The gateway's URL.
        gateway: String,
        /// What went wrong: the connection error or the gateway's answer (its status).
        detail: String,
        /// The underlying error of a push that got no answer, also [`source`](std::error::Error::source).
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid { origin, value, expected } => {
                write!(f, "invalid value {value:?} for {origin}: expected {expected}")
            }
            Error::AlreadyInstalled => f.write_str("instrument_metrics::install() was already called in this process"),
            Error::RecorderAlreadySet => f.write_str(
                "another metrics recorder is already installed globally; instrumented functions record into it, \
                 but instrument_metrics cannot install its Prometheus exporter",
            ),
            Error::Bind { addr, source } => write!(f, "cannot listen for /metrics on {addr}: {source}"),
            Error::Spawn(source) => write!(f, "cannot start the metrics thread: {source}"),
            Error::Objective { function, detail } => write!(f, "the objective of {function}: {detail}"),
            Error::Push { gateway, detail, .. } => write!(f, "push to {gateway} failed: {detail}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } | Error::Spawn(source) => Some(source),
            Error::Push {
                source: Some(source),
                ..
            } => Some(&**source),
            _ => None,
        }
    }
}

//! Installation of the Prometheus recorder and its `/metrics` listener.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::Error;
use crate::config::{self, DEFAULT_ADDR, ENABLE_METRICS, METRICS_ADDR};
use crate::listener::Listener;

/// Default duration buckets, in seconds.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Histogram samples wait in a buffer until upkeep folds them into buckets.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Set while an installation holds (or is attempting) the one per-process slot.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the Prometheus exporter configured from the environment and serves `GET /metrics`.
///
/// Reads `ENABLE_METRICS` (default `true`) and `METRICS_ADDR` (default `0.0.0.0:9000`). Works
/// with or without a Tokio runtime: the listener runs on its own thread.
///
/// ```no_run
/// fn main() -> Result<(), instrument_metrics::Error> {
///     let exporter = instrument_metrics::install()?;
///     println!("metrics at http://{:?}/metrics", exporter.local_addr());
///     Ok(())
/// }
/// ```
///
/// # Errors
///
/// An [`Error`] naming the variable and value that does not parse, the address that cannot be
/// bound, or a recorder installed before. Nothing is left installed, bound or running then, and
/// a later call may succeed.
pub fn install() -> Result<Exporter, Error> {
    Builder::from_env()?.install()
}

/// The settings of [`install`] in code. Settings made in code win over the environment.
///
/// ```no_run
/// let exporter = instrument_metrics::Builder::from_env()?
///     .listen_address("127.0.0.1:9100".parse().unwrap())
///     .install()?;
/// # Ok::<(), instrument_metrics::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    enabled: bool,
    addr: SocketAddr,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            enabled: true,
            addr: DEFAULT_ADDR,
        }
    }
}

impl Builder {
    /// The defaults, ignoring the environment.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The defaults overridden by the environment.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEnv`] for a variable that does not parse.
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = Builder::new();
        if let Some(value) = config::var(ENABLE_METRICS)? {
            builder.enabled = config::parse_bool(ENABLE_METRICS, &value)?;
        }
        if let Some(value) = config::var(METRICS_ADDR)? {
            builder.addr = config::parse_addr(METRICS_ADDR, &value)?;
        }
        Ok(builder)
    }

    /// Whether to record and serve at all; when `false`, instrumented functions cost one load.
    #[must_use]
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Where `GET /metrics` is served; port 0 picks a free port (see [`Exporter::local_addr`]).
    #[must_use]
    pub fn listen_address(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Installs the recorder and starts serving.
    ///
    /// # Errors
    ///
    /// See [`install`].
    pub fn install(self) -> Result<Exporter, Error> {
        if INSTALLED.swap(true, Ordering::SeqCst) {
            return Err(Error::AlreadyInstalled);
        }
        let installed = self.install_once();
        if installed.is_err() {
            INSTALLED.store(false, Ordering::SeqCst);
        }
        installed
    }

    fn install_once(self) -> Result<Exporter, Error> {
        if !self.enabled {
            crate::callsite::disable();
            return Ok(Exporter { running: None });
        }
        let socket = TcpListener::bind(self.addr).map_err(|source| Error::Bind {
            addr: self.addr,
            source,
        })?;
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), DEFAULT_BUCKETS)
            .expect("the default buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let listener = Listener::spawn(socket, handle.clone()).map_err(Error::Spawn)?;
        let upkeep = match Upkeep::spawn(handle.clone()) {
            Ok(upkeep) => upkeep,
            Err(source) => {
                listener.stop();
                return Err(Error::Spawn(source));
            }
        };
        if metrics::set_global_recorder(recorder).is_err() {
            listener.stop();
            upkeep.stop();
            return Err(Error::RecorderAlreadySet);
        }
        crate::recorder::learn_global();
        Ok(Exporter {
            running: Some(Running {
                handle,
                listener,
                upkeep,
            }),
        })
    }
}

/// The installed exporter. Dropping it leaves `/metrics` served; [`Exporter::shutdown`] stops it.
#[derive(Debug)]
pub struct Exporter {
    running: Option<Running>,
}

struct Running {
    handle: PrometheusHandle,
    listener: Listener,
    upkeep: Upkeep,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.listener.local_addr())
            .finish_non_exhaustive()
    }
}

impl Exporter {
    /// The metrics in the Prometheus text exposition format, as `GET /metrics` serves them;
    /// empty when metrics are disabled.
    pub fn render(&self) -> String {
        self.running
            .as_ref()
            .map(|running| running.handle.render())
            .unwrap_or_default()
    }

    /// The address `/metrics` is served on; `None` when metrics are disabled.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running
            .as_ref()
            .map(|running| running.listener.local_addr())
    }

    /// Whether metrics are recorded and served.
    pub fn is_enabled(&self) -> bool {
        self.running.is_some()
    }

    /// Stops serving `/metrics` and closes the socket. The recorder stays installed: `metrics`
    /// allows one global recorder per process.
    pub fn shutdown(self) {
        if let Some(running) = self.running {
            running.listener.stop();
            running.upkeep.stop();
        }
    }
}

struct Upkeep {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Upkeep {
    fn spawn(handle: PrometheusHandle) -> std::io::Result<Upkeep> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("instrument-metrics-upkeep".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || {
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::park_timeout(UPKEEP_INTERVAL);
                        handle.run_upkeep();
                    }
                }
            })?;
        Ok(Upkeep { stop, thread })
    }

    fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.thread().unpark();
        let _ = self.thread.join();
    }
}

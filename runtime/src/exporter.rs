//! Installation of the Prometheus recorder, and the `Exporter` that serves or pushes it.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::endpoint::Endpoint;
use crate::listener::Listener;
use crate::push::{self, Pusher};
use crate::{BuildInfo, Builder, Error, series, settings};

/// Default duration buckets, in seconds.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

pub(crate) const DEFAULT_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 9000));

pub(crate) const DEFAULT_PUSH_INTERVAL: Duration = Duration::from_secs(10);

/// Histogram samples wait in a buffer until upkeep folds them into buckets.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Set while an installation holds (or is attempting) the one per-process slot.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the Prometheus exporter configured from the environment and serves `GET /metrics`
/// (or pushes to a Pushgateway when `METRICS_PUSH_GATEWAY` is set).
///
/// Works with or without a Tokio runtime: the listener runs on its own thread. See [`Builder`]
/// for every setting and its variable.
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
/// bound, or the recorder installed before. Nothing is left installed, bound or running then,
/// and a later call may succeed.
pub fn install() -> Result<Exporter, Error> {
    Builder::from_env()?.install()
}

pub(crate) fn install_builder(builder: Builder) -> Result<Exporter, Error> {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Err(Error::AlreadyInstalled);
    }
    let installed = install_once(builder);
    if installed.is_err() {
        INSTALLED.store(false, Ordering::SeqCst);
    }
    installed
}

fn install_once(builder: Builder) -> Result<Exporter, Error> {
    if !builder.enabled {
        crate::callsite::disable();
        return Ok(Exporter { running: None });
    }
    // Bind before anything else exists, so a busy port leaves nothing to undo.
    let socket = match &builder.push {
        Some(_) => None,
        None if !builder.listen => None,
        None => Some(
            TcpListener::bind(builder.addr).map_err(|source| Error::Bind {
                addr: builder.addr,
                source,
            })?,
        ),
    };
    // Our own families are rendered by `series`; these buckets are for histograms recorded
    // through `metrics`. Full matchers win over suffix matchers.
    let matchers = [(
        Matcher::Suffix("_duration_seconds".into()),
        builder.buckets.as_slice(),
    )]
    .into_iter()
    .chain(http_buckets(&builder));
    let mut prometheus = PrometheusBuilder::new();
    for (matcher, buckets) in matchers {
        prometheus = prometheus
            .set_buckets_for_metric(matcher, buckets)
            .map_err(|error| {
                crate::config::invalid("buckets", &format!("{buckets:?}"), error.to_string())
            })?;
    }
    for (name, value) in &builder.custom_labels {
        // The exporter's escaper takes `\\` and `\"` as already escaped; doubling every backslash
        // first makes it escape each one exactly once.
        prometheus = prometheus.add_global_label(name, value.replace('\\', "\\\\"));
    }
    let recorder = prometheus.build_recorder();
    let handle = recorder.handle();
    builder
        .build_info
        .clone()
        .unwrap_or_else(BuildInfo::executable)
        .register(&recorder, &builder.prefix());
    let endpoint = Arc::new(Endpoint::new(handle.clone(), builder.auth_token.clone()));
    let background = match (socket, &builder.push) {
        (Some(socket), _) => Some(Background::Listen(
            Listener::spawn(socket, Arc::clone(&endpoint)).map_err(Error::Spawn)?,
        )),
        (None, Some(gateway)) => {
            let job = builder.push_job.clone().unwrap_or_else(push::default_job);
            let pusher = Pusher::spawn(
                gateway.clone(),
                job,
                builder.push_interval,
                Arc::clone(&endpoint),
            );
            Some(Background::Push(pusher.map_err(Error::Spawn)?))
        }
        // Served through `Exporter::router` on the application's own port.
        (None, None) => None,
    };
    let upkeep = match Upkeep::spawn(handle.clone()) {
        Ok(upkeep) => upkeep,
        Err(source) => {
            let _ = background.map(Background::stop);
            return Err(Error::Spawn(source));
        }
    };
    settings::set(Some(builder.settings()));
    series::begin_install(&builder.custom_labels, &builder.buckets);
    if metrics::set_global_recorder(recorder).is_err() {
        series::finish_install(false);
        settings::set(None);
        let _ = background.map(Background::stop);
        upkeep.stop();
        return Err(Error::RecorderAlreadySet);
    }
    crate::recorder::learn_global();
    series::finish_install(true);
    for site in crate::__private::CALL_SITES {
        site.preregister();
    }
    Ok(Exporter {
        running: Some(Running {
            endpoint,
            background,
            upkeep: Some(upkeep),
        }),
    })
}

#[cfg(feature = "http")]
fn http_buckets(builder: &Builder) -> Option<(Matcher, &'static [f64])> {
    let name = format!("{}http_request_duration_seconds", builder.prefix());
    Some((Matcher::Full(name), crate::http::HTTP_BUCKETS))
}

#[cfg(not(feature = "http"))]
fn http_buckets(_: &Builder) -> Option<(Matcher, &'static [f64])> {
    None
}

/// The installed exporter: keep it alive for as long as metrics should be served or pushed.
/// Dropping it stops the listener (or makes the final push); the recorder stays installed.
#[derive(Debug)]
#[must_use = "dropping the Exporter stops serving /metrics"]
pub struct Exporter {
    running: Option<Running>,
}

struct Running {
    endpoint: Arc<Endpoint>,
    background: Option<Background>,
    upkeep: Option<Upkeep>,
}

enum Background {
    Listen(Listener),
    Push(Pusher),
}

impl Background {
    fn stop(self) -> Result<(), Error> {
        match self {
            Background::Listen(listener) => {
                listener.stop();
                Ok(())
            }
            Background::Push(pusher) => pusher.stop(),
        }
    }
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match &self.background {
            Some(Background::Listen(listener)) => format!("listening on {}", listener.local_addr()),
            Some(Background::Push(_)) => "pushing".to_owned(),
            None => "stopped".to_owned(),
        };
        f.debug_struct("Running")
            .field("mode", &mode)
            .finish_non_exhaustive()
    }
}

impl Exporter {
    /// The metrics in the Prometheus text exposition format, as `GET /metrics` serves them;
    /// empty when metrics are disabled.
    pub fn render(&self) -> String {
        self.running
            .as_ref()
            .map(|running| running.endpoint.render())
            .unwrap_or_default()
    }

    /// The address `/metrics` is served on; `None` when metrics are disabled or pushed.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self.running.as_ref()?.background.as_ref()? {
            Background::Listen(listener) => Some(listener.local_addr()),
            Background::Push(_) => None,
        }
    }

    #[cfg(feature = "axum")]
    pub(crate) fn endpoint(&self) -> Option<Arc<Endpoint>> {
        self.running
            .as_ref()
            .map(|running| Arc::clone(&running.endpoint))
    }

    /// Whether metrics are recorded.
    pub fn is_enabled(&self) -> bool {
        self.running.is_some()
    }

    /// Stops serving `/metrics` (closing the socket) or, in push mode, stops pushing after a
    /// final push. The recorder stays installed: `metrics` allows one global recorder per
    /// process.
    ///
    /// # Errors
    ///
    /// [`Error::Push`] when the final push failed.
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), Error> {
        let Some(running) = &mut self.running else {
            return Ok(());
        };
        let stopped = running.background.take().map_or(Ok(()), Background::stop);
        if let Some(upkeep) = running.upkeep.take() {
            upkeep.stop();
        }
        stopped
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            // Nobody is left to return it to, and a batch job's last counts are at stake.
            eprintln!("instrument-metrics: {error}");
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

//! The installed [`Exporter`]: what it serves or pushes, and its shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use super::endpoint::Endpoint;
use super::listener::Listener;
use super::push::Pusher;
use super::upkeep::Upkeep;
use crate::error::Error;

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

/// What serves `/metrics` besides [`Exporter::render`].
pub(crate) enum Background {
    Listen(Listener),
    Push(Pusher),
}

impl Background {
    pub(crate) fn stop(self) -> Result<(), Error> {
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
    /// The exporter of `ENABLE_METRICS=false`: serves nothing, renders nothing.
    pub(crate) fn disabled() -> Exporter {
        Exporter { running: None }
    }

    pub(crate) fn running(
        endpoint: Arc<Endpoint>,
        background: Option<Background>,
        upkeep: Upkeep,
    ) -> Exporter {
        Exporter {
            running: Some(Running {
                endpoint,
                background,
                upkeep: Some(upkeep),
            }),
        }
    }

    /// The metrics in the Prometheus text exposition format, as `GET /metrics` serves them;
    /// empty when metrics are disabled.
    pub fn render(&self) -> String {
        self.running
            .as_ref()
            .map(|running| running.endpoint.render())
            .unwrap_or_default()
    }

    /// [`Exporter::render`] in the OpenMetrics 1.0 format, as `GET /metrics` serves it to a
    /// scrape whose `Accept` header asks for it (Prometheus does): the same families and values,
    /// with exemplars on histogram buckets when [`exemplars`](crate::Builder::exemplars) are on.
    pub fn render_openmetrics(&self) -> String {
        self.running
            .as_ref()
            .map(|running| running.endpoint.render_openmetrics())
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

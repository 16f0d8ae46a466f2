//! Installation: the recorder, the registry, the settings call sites read, and what serves
//! them, all or nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

use super::connection::Transport;
use super::endpoint::Endpoint;
use super::exporter::{Background, Exporter};
use super::listener::{self, Listener};
use super::objectives;
use super::push::Pusher;
use super::upkeep::Upkeep;
use crate::config::{self, Builder, Config, Serving};
use crate::error::Error;
use crate::exposition::{self, Installation, exemplar};
#[cfg(feature = "http")]
use crate::model::names;
use crate::model::names::DURATION_SUFFIX;
use crate::record::{self, settings};

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

impl Builder {
    /// Installs the recorder and starts serving (or pushing).
    ///
    /// # Errors
    ///
    /// See [`install`](crate::install).
    pub fn install(self) -> Result<Exporter, Error> {
        let config = self.into_config()?;
        if INSTALLED.swap(true, Ordering::SeqCst) {
            return Err(Error::AlreadyInstalled);
        }
        let installed = install_once(&config);
        if installed.is_err() {
            INSTALLED.store(false, Ordering::SeqCst);
        }
        installed
    }
}

fn install_once(config: &Config) -> Result<Exporter, Error> {
    if !config.enabled() {
        for site in crate::__private::CALL_SITES {
            site.switch_off();
        }
        return Ok(Exporter::disabled());
    }
    objectives::check(config)?;
    // Bind before anything else exists, so a busy port leaves nothing to undo.
    let socket = match config.serving() {
        Serving::Listen(addr) => Some(listener::bind(*addr).map_err(|source| Error::Bind {
            addr: *addr,
            source,
        })?),
        Serving::Push { .. } | Serving::Embedded => None,
    };
    let recorder = prometheus_builder(config)?.build_recorder();
    let handle = recorder.handle();
    let endpoint = Arc::new(Endpoint::new(handle.clone(), config.auth_token()));
    let mut background = match (socket, config.serving()) {
        (Some(socket), _) => Some(Background::Listen(
            Listener::spawn(socket, Arc::clone(&endpoint), transport(config))
                .map_err(Error::Spawn)?,
        )),
        (
            None,
            Serving::Push {
                gateway,
                interval,
                job,
            },
        ) => {
            let pusher = Pusher::spawn(
                gateway.clone(),
                job.clone(),
                *interval,
                Arc::clone(&endpoint),
            );
            Some(Background::Push(pusher.map_err(Error::Spawn)?))
        }
        // Served through `Exporter::router` on the application's own port.
        (None, _) => None,
    };
    let upkeep = match Upkeep::spawn(handle) {
        Ok(upkeep) => upkeep,
        Err(source) => {
            let _ = background.map(Background::stop);
            return Err(Error::Spawn(source));
        }
    };
    settings::set(Some(config.settings()));
    let custom_labels = config.custom_labels().iter().map(|(name, _)| name.clone());
    exemplar::configure(
        config
            .exemplars()
            .map(|source| (source, custom_labels.collect())),
    );
    exposition::begin_install(&Installation {
        prefix: config.prefix(),
        custom_labels: config.custom_labels(),
        default_buckets: config.buckets(),
        build_info: config.build_info(),
    });
    if metrics::set_global_recorder(recorder).is_err() {
        exposition::finish_install(false);
        exemplar::configure(None);
        settings::set(None);
        let _ = background.map(Background::stop);
        upkeep.stop();
        return Err(Error::RecorderAlreadySet);
    }
    record::learn_global();
    exposition::finish_install(true);
    for site in crate::__private::CALL_SITES {
        site.preregister();
    }
    objectives::install(config);
    if let Some(Background::Listen(listener)) = &mut background {
        listener.start();
    }
    Ok(Exporter::running(endpoint, background, upkeep))
}

/// Plain TCP, or TLS with the configured certificate.
fn transport(config: &Config) -> Transport {
    match config.server_tls() {
        #[cfg(feature = "tls")]
        Some(tls) => Transport::Tls(tokio_rustls::TlsAcceptor::from(Arc::clone(tls))),
        #[cfg(not(feature = "tls"))]
        Some(never) => match *never {},
        None => Transport::Plain,
    }
}

/// The `metrics` exporter, for what is recorded through the facade: user metrics and the HTTP
/// layer. Our own families are rendered by [`exposition`].
fn prometheus_builder(config: &Config) -> Result<PrometheusBuilder, Error> {
    // Full matchers win over suffix matchers.
    let matchers = [(Matcher::Suffix(DURATION_SUFFIX.into()), config.buckets())];
    #[cfg(feature = "http")]
    let matchers = matchers.into_iter().chain([(
        Matcher::Full(format!("{}{}", config.prefix(), names::http::DURATION)),
        names::http::BUCKETS,
    )]);
    let mut prometheus = PrometheusBuilder::new();
    for (matcher, buckets) in matchers {
        prometheus = prometheus
            .set_buckets_for_metric(matcher, buckets)
            .map_err(|error| {
                config::invalid("buckets", &format!("{buckets:?}"), error.to_string())
            })?;
    }
    for (name, value) in config.custom_labels() {
        // The exporter's escaper takes `\\` and `\"` as already escaped; doubling every backslash
        // first makes it escape each one exactly once.
        prometheus = prometheus.add_global_label(name, value.replace('\\', "\\\\"));
    }
    Ok(prometheus)
}

//! The one validated configuration `Builder` hands to installation.

use std::net::SocketAddr;
use std::time::Duration;

use regex_lite::Regex;

use super::gateway::Gateway;
use super::secret::Secret;
use super::tls::ServerTls;
use crate::exposition::BuildInfo;
use crate::exposition::exemplar::Source;
use crate::record::settings::Settings;

/// Everything installation needs, every value valid and every default applied. Made only by
/// `Builder`; read through its methods.
pub(crate) struct Config {
    pub(super) enabled: bool,
    pub(super) serving: Serving,
    /// `namespace_subsystem_`, or empty.
    pub(super) prefix: String,
    pub(super) excluded: Vec<Regex>,
    pub(super) custom_labels: Vec<(String, String)>,
    pub(super) buckets: Vec<f64>,
    pub(super) auth_token: Option<Secret>,
    /// HTTPS for `/metrics`.
    pub(super) server_tls: Option<ServerTls>,
    pub(super) build_info: BuildInfo,
    /// `Some` when exemplars are on: where function calls find their trace, if anywhere.
    pub(super) exemplars: Option<Option<Source>>,
}

/// How `/metrics` reaches Prometheus.
pub(crate) enum Serving {
    /// On a port of its own.
    Listen(SocketAddr),
    /// Pushed to a Pushgateway every `interval`, under `job`.
    Push {
        gateway: Gateway,
        interval: Duration,
        job: String,
    },
    /// Only where the application mounts `Exporter::router` or writes `Exporter::render`.
    Embedded,
}

impl Config {
    /// Whether to record and serve at all.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn serving(&self) -> &Serving {
        &self.serving
    }

    /// `namespace_subsystem_`, or empty.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn custom_labels(&self) -> &[(String, String)] {
        &self.custom_labels
    }

    /// Duration buckets, in seconds, of every function without its own.
    pub(crate) fn buckets(&self) -> &[f64] {
        &self.buckets
    }

    pub(crate) fn auth_token(&self) -> Option<&str> {
        self.auth_token.as_ref().map(Secret::expose)
    }

    /// The TLS configuration `/metrics` is served with, if any.
    pub(crate) fn server_tls(&self) -> Option<&ServerTls> {
        self.server_tls.as_ref()
    }

    pub(crate) fn build_info(&self) -> &BuildInfo {
        &self.build_info
    }

    /// `Some` when exemplars are on, with where function calls find their trace.
    pub(crate) fn exemplars(&self) -> Option<Option<Source>> {
        self.exemplars.clone()
    }

    /// The prefix and exclusion filter call sites and the HTTP layer read.
    pub(crate) fn settings(&self) -> Settings {
        let excluded = self.excluded.clone();
        Settings::new(self.prefix.clone(), move |name| {
            excluded.iter().any(|regex| regex.is_match(name))
        })
    }
}

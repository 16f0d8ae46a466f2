//! `Builder`: every setting of `install()`, from the environment and from code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use regex_lite::Regex;

use super::defaults::{self, DEFAULT_ADDR, DEFAULT_BUCKETS, DEFAULT_PUSH_INTERVAL};
use super::env::{
    self, ENABLE_METRICS, METRICS_ADDR, METRICS_AUTH_TOKEN, METRICS_BUCKETS, METRICS_CUSTOM_LABELS,
    METRICS_EXCLUDED_HANDLERS, METRICS_EXEMPLARS, METRICS_NAMESPACE, METRICS_PUSH_GATEWAY,
    METRICS_PUSH_INTERVAL, METRICS_PUSH_JOB, METRICS_SUBSYSTEM,
};
use super::env::{
    METRICS_AUTH_TOKEN_FILE, METRICS_PUSH_CA_FILE, METRICS_PUSH_PASSWORD_FILE,
    METRICS_PUSH_USERNAME, METRICS_TLS_CERT_FILE, METRICS_TLS_CLIENT_CA_FILE, METRICS_TLS_KEY_FILE,
};
use super::gateway::Gateway;
use super::parse::{
    invalid, parse_addr, parse_bool, parse_buckets, parse_duration, parse_label_name, parse_labels,
    parse_name_part, parse_push_job, parse_regex, validate_buckets,
};
use super::secret::Secret;
use super::secret::read_secret;
use super::tls::FileSetting;
use super::tls::{ServerFiles, server_tls};
use super::validated::{Config, Serving};
use crate::error::Error;
use crate::exposition::BuildInfo;
use crate::exposition::exemplar::Source;
use crate::model::TraceContext;

/// The settings of [`install`](crate::install), in code. Start from [`Builder::from_env`] and
/// override: settings made in code win over the environment.
///
/// ```no_run
/// use std::time::Duration;
///
/// let exporter = instrument_metrics::Builder::from_env()?
///     .namespace("acme")
///     .custom_label("service", "billing")
///     .listen_address("127.0.0.1:9100".parse().unwrap())
///     .install()?;
/// # Ok::<(), instrument_metrics::Error>(())
/// ```
///
/// A setter given an invalid value does not panic: [`Builder::install`] returns the error,
/// naming the setter and the value.
#[derive(Debug)]
pub struct Builder {
    enabled: bool,
    addr: SocketAddr,
    listen: bool,
    namespace: Option<String>,
    subsystem: Option<String>,
    excluded: Vec<Regex>,
    custom_labels: Vec<(String, String)>,
    buckets: Vec<f64>,
    auth_token: Option<Secret>,
    auth_token_file: Option<FileSetting>,
    /// The certificate chain and the private key.
    tls: Option<(FileSetting, FileSetting)>,
    tls_client_ca: Option<FileSetting>,
    push: Option<Gateway>,
    /// The user name and the file holding the password.
    push_credentials: Option<(String, FileSetting)>,
    push_ca: Option<FileSetting>,
    push_interval: Duration,
    push_job: Option<String>,
    build_info: Option<BuildInfo>,
    exemplars: bool,
    exemplar_source: Option<ExemplarSource>,
    /// The first invalid value given to a setter, returned by `install`.
    error: Option<Error>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            enabled: true,
            addr: DEFAULT_ADDR,
            listen: true,
            namespace: None,
            subsystem: None,
            excluded: Vec::new(),
            custom_labels: Vec::new(),
            buckets: DEFAULT_BUCKETS.to_vec(),
            auth_token: None,
            auth_token_file: None,
            tls: None,
            tls_client_ca: None,
            push: None,
            push_credentials: None,
            push_ca: None,
            push_interval: DEFAULT_PUSH_INTERVAL,
            push_job: None,
            build_info: None,
            exemplars: false,
            exemplar_source: None,
            error: None,
        }
    }
}

impl Builder {
    /// The defaults, ignoring the environment.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The defaults overridden by the environment: `ENABLE_METRICS`, `METRICS_ADDR`,
    /// `METRICS_NAMESPACE`, `METRICS_SUBSYSTEM`, `METRICS_EXCLUDED_HANDLERS`,
    /// `METRICS_CUSTOM_LABELS`, `METRICS_BUCKETS`, `METRICS_AUTH_TOKEN`,
    /// `METRICS_AUTH_TOKEN_FILE`, `METRICS_TLS_CERT_FILE`, `METRICS_TLS_KEY_FILE`,
    /// `METRICS_TLS_CLIENT_CA_FILE`, `METRICS_PUSH_GATEWAY`, `METRICS_PUSH_INTERVAL`,
    /// `METRICS_PUSH_JOB`, `METRICS_PUSH_USERNAME`, `METRICS_PUSH_PASSWORD_FILE`,
    /// `METRICS_PUSH_CA_FILE` and `METRICS_EXEMPLARS`. Unset and empty variables keep defaults;
    /// files are read at [`install`](Builder::install).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] naming the first variable whose value does not parse, and the value.
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = Builder::new();
        if let Some(value) = env::var(ENABLE_METRICS)? {
            builder.enabled = parse_bool(ENABLE_METRICS, &value)?;
        }
        if let Some(value) = env::var(METRICS_ADDR)? {
            builder.addr = parse_addr(METRICS_ADDR, &value)?;
        }
        if let Some(value) = env::var(METRICS_NAMESPACE)? {
            builder.namespace = Some(parse_name_part(METRICS_NAMESPACE, &value)?);
        }
        if let Some(value) = env::var(METRICS_SUBSYSTEM)? {
            builder.subsystem = Some(parse_name_part(METRICS_SUBSYSTEM, &value)?);
        }
        if let Some(value) = env::var(METRICS_EXCLUDED_HANDLERS)? {
            for pattern in value
                .split(',')
                .map(str::trim)
                .filter(|pattern| !pattern.is_empty())
            {
                builder
                    .excluded
                    .push(parse_regex(METRICS_EXCLUDED_HANDLERS, pattern)?);
            }
        }
        if let Some(value) = env::var(METRICS_CUSTOM_LABELS)? {
            builder.custom_labels = parse_labels(METRICS_CUSTOM_LABELS, &value)?;
        }
        if let Some(value) = env::var(METRICS_BUCKETS)? {
            builder.buckets = parse_buckets(METRICS_BUCKETS, &value)?;
        }
        builder.auth_token = env::var(METRICS_AUTH_TOKEN)?.map(Secret::new);
        builder.auth_token_file = env::file(METRICS_AUTH_TOKEN_FILE)?;
        builder.tls = env::pair(
            (METRICS_TLS_CERT_FILE, env::file(METRICS_TLS_CERT_FILE)?),
            (METRICS_TLS_KEY_FILE, env::file(METRICS_TLS_KEY_FILE)?),
        )?;
        builder.tls_client_ca = env::file(METRICS_TLS_CLIENT_CA_FILE)?;
        let username = env::var(METRICS_PUSH_USERNAME)?.map(|name| FileSetting {
            origin: METRICS_PUSH_USERNAME,
            path: name.into(),
        });
        builder.push_credentials = env::pair(
            (METRICS_PUSH_USERNAME, username),
            (
                METRICS_PUSH_PASSWORD_FILE,
                env::file(METRICS_PUSH_PASSWORD_FILE)?,
            ),
        )?
        .map(|(username, password)| (username.path.display().to_string(), password));
        builder.push_ca = env::file(METRICS_PUSH_CA_FILE)?;
        if let Some(value) = env::var(METRICS_PUSH_GATEWAY)? {
            builder.push = Some(Gateway::parse(METRICS_PUSH_GATEWAY, &value)?);
        }
        if let Some(value) = env::var(METRICS_PUSH_INTERVAL)? {
            builder.push_interval = parse_duration(METRICS_PUSH_INTERVAL, &value)?;
        }
        if let Some(value) = env::var(METRICS_PUSH_JOB)? {
            builder.push_job = Some(parse_push_job(METRICS_PUSH_JOB, &value)?);
        }
        if let Some(value) = env::var(METRICS_EXEMPLARS)? {
            builder.exemplars = parse_bool(METRICS_EXEMPLARS, &value)?;
        }
        Ok(builder)
    }

    /// Whether to record and serve at all; when `false`, instrumented functions cost one load
    /// and nothing is bound (`ENABLE_METRICS`).
    #[must_use]
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Where `GET /metrics` is served (`METRICS_ADDR`); port 0 picks a free port, see
    /// [`Exporter::local_addr`](crate::Exporter::local_addr).
    #[must_use]
    pub fn listen_address(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Opens no port of its own: `/metrics` is then served only where the application mounts
    /// `Exporter::router` (feature `axum`) or writes [`Exporter::render`](crate::Exporter::render).
    #[must_use]
    pub fn without_listener(mut self) -> Self {
        self.listen = false;
        self
    }

    /// The first prefix of every family name: `acme` gives `acme_function_calls_total`
    /// (`METRICS_NAMESPACE`).
    #[must_use]
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = self.keep_first_error(parse_name_part("Builder::namespace", namespace));
        self
    }

    /// The second prefix, after the namespace (`METRICS_SUBSYSTEM`).
    #[must_use]
    pub fn subsystem(mut self, subsystem: &str) -> Self {
        self.subsystem = self.keep_first_error(parse_name_part("Builder::subsystem", subsystem));
        self
    }

    /// Excludes functions whose whole `function` label (`Type::method` for methods), or HTTP
    /// routes whose whole template, matches `pattern`; may be given several times
    /// (`METRICS_EXCLUDED_HANDLERS`, comma-separated). `install()` switches excluded functions
    /// off: a call then costs one relaxed load, and nothing is recorded into any recorder.
    #[must_use]
    pub fn exclude(mut self, pattern: &str) -> Self {
        if let Some(regex) = self.keep_first_error(parse_regex("Builder::exclude", pattern)) {
            self.excluded.push(regex);
        }
        self
    }

    /// A label on every series, e.g. `service` or `cluster` for federation
    /// (`METRICS_CUSTOM_LABELS=service=api,environment=prod`).
    #[must_use]
    pub fn custom_label(mut self, name: &str, value: &str) -> Self {
        let whole = format!("{name}={value}");
        if let Some(name) =
            self.keep_first_error(parse_label_name("Builder::custom_label", &whole, name))
        {
            self.custom_labels.retain(|(existing, _)| *existing != name);
            self.custom_labels.push((name, value.to_owned()));
        }
        self
    }

    /// Duration histogram bucket bounds in seconds, for every instrumented function
    /// (`METRICS_BUCKETS`).
    #[must_use]
    pub fn buckets(mut self, bounds: &[f64]) -> Self {
        let shown = format!("{bounds:?}");
        if self
            .keep_first_error(validate_buckets("Builder::buckets", &shown, bounds))
            .is_some()
        {
            self.buckets = bounds.to_vec();
        }
        self
    }

    /// Requires `Authorization: Bearer <token>` on `/metrics` (`METRICS_AUTH_TOKEN`).
    #[must_use]
    pub fn auth_token(mut self, token: &str) -> Self {
        self.auth_token = Some(Secret::new(token.to_owned()));
        self
    }

    /// Like [`auth_token`](Builder::auth_token), with the token read at install from a file
    /// such as a mounted secret; its last line end is not part of it
    /// (`METRICS_AUTH_TOKEN_FILE`). Setting both is an error.
    #[must_use]
    pub fn auth_token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.auth_token_file = Some(file("Builder::auth_token_file", path));
        self
    }

    /// Serves `/metrics` over HTTPS with this PEM certificate chain and PEM private key
    /// (`METRICS_TLS_CERT_FILE`, `METRICS_TLS_KEY_FILE`); needs the `tls` feature.
    ///
    /// ```no_run
    /// let exporter = instrument_metrics::Builder::from_env()?
    ///     .tls("/etc/metrics/tls.crt", "/etc/metrics/tls.key")
    ///     .tls_client_ca("/etc/metrics/prometheus-ca.crt")
    ///     .auth_token_file("/var/run/secrets/metrics/token")
    ///     .install()?;
    /// # Ok::<(), instrument_metrics::Error>(())
    /// ```
    #[must_use]
    pub fn tls(mut self, cert_file: impl Into<PathBuf>, key_file: impl Into<PathBuf>) -> Self {
        self.tls = Some((
            file("Builder::tls", cert_file),
            file("Builder::tls", key_file),
        ));
        self
    }

    /// With [`tls`](Builder::tls), requires client certificates signed by a CA of this PEM
    /// file: mutual TLS (`METRICS_TLS_CLIENT_CA_FILE`).
    #[must_use]
    pub fn tls_client_ca(mut self, ca_file: impl Into<PathBuf>) -> Self {
        self.tls_client_ca = Some(file("Builder::tls_client_ca", ca_file));
        self
    }

    /// Pushes to a Prometheus Pushgateway at this `http://` (or, with the `tls` feature,
    /// `https://`) URL instead of listening, every
    /// [`push_interval`](Builder::push_interval) and once more at shutdown
    /// (`METRICS_PUSH_GATEWAY`).
    #[must_use]
    pub fn push_gateway(mut self, url: &str) -> Self {
        self.push = self.keep_first_error(Gateway::parse("Builder::push_gateway", url));
        self
    }

    /// Authenticates pushes with HTTP basic auth: this user name, and the password read at
    /// install from a file (`METRICS_PUSH_USERNAME`, `METRICS_PUSH_PASSWORD_FILE`).
    #[must_use]
    pub fn push_credentials(mut self, username: &str, password_file: impl Into<PathBuf>) -> Self {
        self.push_credentials = Some((
            username.to_owned(),
            file("Builder::push_credentials", password_file),
        ));
        self
    }

    /// Checks an `https://` gateway's certificate against the CAs of this PEM file instead of
    /// the public web's (`METRICS_PUSH_CA_FILE`); needs the `tls` feature.
    #[must_use]
    pub fn push_ca_file(mut self, ca_file: impl Into<PathBuf>) -> Self {
        self.push_ca = Some(file("Builder::push_ca_file", ca_file));
        self
    }

    /// How often to push; default 10 s (`METRICS_PUSH_INTERVAL`, e.g. `15s`, `500ms`).
    #[must_use]
    pub fn push_interval(mut self, interval: Duration) -> Self {
        if interval.is_zero() {
            self.keep_first_error::<()>(Err(invalid(
                "Builder::push_interval",
                "0s",
                "a positive duration",
            )));
        } else {
            self.push_interval = interval;
        }
        self
    }

    /// The `job` the pushed metrics are grouped under; default the executable's name
    /// (`METRICS_PUSH_JOB`).
    #[must_use]
    pub fn push_job(mut self, job: &str) -> Self {
        self.push_job = self.keep_first_error(parse_push_job("Builder::push_job", job));
        self
    }

    /// What the `build_info` gauge reports; default the executable's name and version
    /// `unknown`. Pass [`build_info!()`](crate::build_info!) for the calling crate's.
    #[must_use]
    pub fn build_info(mut self, build_info: BuildInfo) -> Self {
        self.build_info = Some(build_info);
        self
    }

    /// Attaches exemplars (trace ids) to the duration histograms' buckets, served in the
    /// OpenMetrics format to scrapes that ask for it (`METRICS_EXEMPLARS`; default off). HTTP
    /// requests take theirs from the `traceparent` header; instrumented functions from
    /// [`exemplar_source`](Builder::exemplar_source), or else the current OpenTelemetry context
    /// (feature `opentelemetry`).
    #[must_use]
    pub fn exemplars(mut self, enabled: bool) -> Self {
        self.exemplars = enabled;
        self
    }

    /// Where instrumented functions find the trace they run in, for exemplars: called on the
    /// calling thread at the end of a call, at most about once a millisecond per bucket.
    /// Replaces the OpenTelemetry context of feature `opentelemetry`.
    ///
    /// ```no_run
    /// use instrument_metrics::TraceContext;
    ///
    /// fn current_trace() -> Option<TraceContext> {
    ///     None // ask your tracing system here
    /// }
    ///
    /// let exporter = instrument_metrics::Builder::from_env()?
    ///     .exemplars(true)
    ///     .exemplar_source(current_trace)
    ///     .install()?;
    /// # Ok::<(), instrument_metrics::Error>(())
    /// ```
    #[must_use]
    pub fn exemplar_source(
        mut self,
        source: impl Fn() -> Option<TraceContext> + Send + Sync + 'static,
    ) -> Self {
        self.exemplar_source = Some(ExemplarSource(std::sync::Arc::new(source)));
        self
    }

    /// The validated configuration: the first invalid value a setter was given, or every
    /// setting with its defaults applied.
    pub(crate) fn into_config(self) -> Result<Config, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let prefix = self
            .namespace
            .iter()
            .chain(&self.subsystem)
            .map(|part| format!("{part}_"))
            .collect();
        let auth_token = match (self.auth_token, &self.auth_token_file) {
            (Some(_), Some(file)) => {
                return Err(invalid(
                    file.origin,
                    &file.path.display().to_string(),
                    "no bearer token set as well (METRICS_AUTH_TOKEN or Builder::auth_token): \
                     one of the two",
                ));
            }
            (token, None) => token,
            (None, Some(file)) => Some(read_secret(file.origin, &file.path)?),
        };
        let server_tls = self
            .tls
            .map(|(cert, key)| ServerFiles {
                cert,
                key,
                client_ca: self.tls_client_ca.clone(),
            })
            .map(|files| server_tls(&files))
            .transpose()?;
        if let (None, Some(client_ca)) = (&server_tls, &self.tls_client_ca) {
            return Err(invalid(
                client_ca.origin,
                &client_ca.path.display().to_string(),
                "a server certificate and key as well (METRICS_TLS_CERT_FILE and \
                 METRICS_TLS_KEY_FILE, or Builder::tls)",
            ));
        }
        let push = match self.push {
            Some(gateway) => Some(gateway.secured(self.push_credentials, self.push_ca.as_ref())?),
            None => None,
        };
        let serving = match (push, self.listen) {
            (Some(gateway), _) => Serving::Push {
                gateway,
                interval: self.push_interval,
                job: self.push_job.unwrap_or_else(defaults::push_job),
            },
            (None, true) => Serving::Listen(self.addr),
            (None, false) => Serving::Embedded,
        };
        Ok(Config {
            enabled: self.enabled,
            serving,
            prefix,
            excluded: self.excluded,
            custom_labels: self.custom_labels,
            buckets: self.buckets,
            auth_token,
            server_tls,
            build_info: self.build_info.unwrap_or_else(defaults::build_info),
            exemplars: self.exemplars.then(|| {
                self.exemplar_source
                    .map(|ExemplarSource(source)| source)
                    .or_else(defaults::exemplar_source)
            }),
        })
    }

    /// Keeps the first error a setter met, for `install` to return.
    fn keep_first_error<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.error.get_or_insert(error);
                None
            }
        }
    }
}

/// A user's trace context hook; shown by `Builder`'s `Debug` without its contents.
struct ExemplarSource(Source);

impl std::fmt::Debug for ExemplarSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ExemplarSource(..)")
    }
}

fn file(origin: &'static str, path: impl Into<PathBuf>) -> FileSetting {
    FileSetting {
        origin,
        path: path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::Builder;

    fn error_of(builder: Builder) -> String {
        match builder.into_config() {
            Ok(_) => panic!("the settings were accepted"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn tls_settings_are_checked_at_install() {
        let missing = std::env::temp_dir().join("instrument-metrics-no-such-file.pem");
        let error = error_of(Builder::new().tls(&missing, &missing));
        if cfg!(feature = "tls") {
            assert!(
                error.contains("Builder::tls") && error.contains("readable file"),
                "{error}"
            );
        } else {
            assert!(
                error.contains("Builder::tls") && error.contains("enable the `tls` feature"),
                "{error}"
            );
        }
        let error = error_of(Builder::new().tls_client_ca(&missing));
        assert!(
            error.contains("Builder::tls_client_ca") && error.contains("METRICS_TLS_CERT_FILE"),
            "{error}"
        );
    }

    #[test]
    fn a_token_and_a_token_file_conflict_and_neither_is_shown() {
        let builder = Builder::new()
            .auth_token("hunter2")
            .auth_token_file("/run/secrets/token");
        assert!(!format!("{builder:?}").contains("hunter2"));
        let error = error_of(builder);
        assert!(
            error.contains("Builder::auth_token_file") && error.contains("METRICS_AUTH_TOKEN"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
    }
}

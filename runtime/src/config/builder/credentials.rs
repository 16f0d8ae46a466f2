//! `Builder`'s settings of secrets and certificates: the bearer token, TLS, push credentials.
//! Files are only named here; they are read at install (`Builder::into_config`).

use std::path::PathBuf;

use super::Builder;
use crate::config::secret::Secret;
use crate::config::tls::FileSetting;

impl Builder {
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
}

fn file(origin: &'static str, path: impl Into<PathBuf>) -> FileSetting {
    FileSetting {
        origin,
        path: path.into(),
    }
}

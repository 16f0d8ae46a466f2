//! The Pushgateway setting: its URL, and the credentials and CA pushes use.

use super::parse::invalid;
use super::secret::{Secret, read_secret};
use super::tls::FileSetting;
use crate::error::Error;

/// A Pushgateway base URL, `http[s]://host[:port][/prefix]`, with what authenticates pushes.
/// The host is resolved at each push, not here: a gateway whose name appears later (a
/// Kubernetes service starting after the job) is reached once it exists.
#[derive(Clone, Debug)]
pub(crate) struct Gateway {
    url: String,
    credentials: Option<(String, Secret)>,
    /// The CA certificates an `https` gateway's certificate is checked against; the public
    /// web's when `None`.
    #[cfg(feature = "tls")]
    roots: Option<std::sync::Arc<Vec<rustls_pki_types::CertificateDer<'static>>>>,
}

impl Gateway {
    pub(crate) fn parse(origin: &'static str, value: &str) -> Result<Gateway, Error> {
        let url = value.trim().trim_end_matches('/');
        let (https, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
            (Some(rest), _) => (false, rest),
            (None, Some(rest)) => (true, rest),
            (None, None) => {
                return Err(invalid(
                    origin,
                    value,
                    "an http:// or https:// URL such as http://pushgateway:9091",
                ));
            }
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if let Some((_, host)) = authority.rsplit_once('@') {
            let shown = url.replacen(authority, &format!("<hidden>@{host}"), 1);
            return Err(invalid(
                origin,
                &shown,
                "a URL without credentials: set METRICS_PUSH_USERNAME and \
                 METRICS_PUSH_PASSWORD_FILE (or Builder::push_credentials)",
            ));
        }
        let port_ok = match authority.rsplit_once(':') {
            Some((_, port)) if !authority.ends_with(']') => port.parse::<u16>().is_ok(),
            _ => true,
        };
        if authority.is_empty() || authority.starts_with(':') || !port_ok {
            return Err(invalid(
                origin,
                value,
                "a host and an optional port in the URL",
            ));
        }
        if https && cfg!(not(feature = "tls")) {
            return Err(invalid(
                origin,
                value,
                "an http:// URL, or a build with TLS: enable the `tls` feature of \
                 instrument-metrics for https://",
            ));
        }
        Ok(Gateway {
            url: url.to_owned(),
            credentials: None,
            #[cfg(feature = "tls")]
            roots: None,
        })
    }

    /// With basic-auth credentials (the password read from its file) and a private CA.
    pub(crate) fn secured(
        mut self,
        credentials: Option<(String, FileSetting)>,
        ca: Option<&FileSetting>,
    ) -> Result<Gateway, Error> {
        if let Some((username, password)) = credentials {
            if username.contains(':') {
                return Err(invalid(
                    "METRICS_PUSH_USERNAME",
                    &username,
                    "a user name without `:` (HTTP basic auth)",
                ));
            }
            self.credentials = Some((username, read_secret(password.origin, &password.path)?));
        }
        if let Some(ca) = ca {
            #[cfg(feature = "tls")]
            {
                self.roots = Some(std::sync::Arc::new(super::tls::root_certificates(ca)?));
            }
            #[cfg(not(feature = "tls"))]
            return Err(super::tls::unavailable(ca));
        }
        Ok(self)
    }

    /// The URL as configured, for messages.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The user name and password of basic auth.
    pub(crate) fn credentials(&self) -> Option<(&str, &Secret)> {
        self.credentials
            .as_ref()
            .map(|(username, password)| (username.as_str(), password))
    }

    /// The private CA's certificates, when one is set.
    #[cfg(feature = "tls")]
    pub(crate) fn roots(
        &self,
    ) -> Option<&std::sync::Arc<Vec<rustls_pki_types::CertificateDer<'static>>>> {
        self.roots.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls() {
        let gateway = Gateway::parse("METRICS_PUSH_GATEWAY", "http://127.0.0.1:9091/").unwrap();
        assert_eq!(gateway.url(), "http://127.0.0.1:9091");
        // Not resolved: a name that does not exist yet is accepted.
        let gateway =
            Gateway::parse("METRICS_PUSH_GATEWAY", "http://gw.invalid:9091/prefix").unwrap();
        assert_eq!(gateway.url(), "http://gw.invalid:9091/prefix");
        for bad in ["ftp://gw", "http://", "http://gw:port", "gw:9091"] {
            let error = Gateway::parse("METRICS_PUSH_GATEWAY", bad)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("METRICS_PUSH_GATEWAY") && error.contains(bad),
                "{error}"
            );
        }
        let error = Gateway::parse("METRICS_PUSH_GATEWAY", "http://user:pw@gw:9091")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("pw"), "the password is shown: {error}");
        assert!(error.contains("METRICS_PUSH_USERNAME"), "{error}");
        let https = Gateway::parse("METRICS_PUSH_GATEWAY", "https://gw:9091");
        if cfg!(feature = "tls") {
            assert_eq!(https.unwrap().url(), "https://gw:9091");
        } else {
            let error = https.unwrap_err().to_string();
            assert!(error.contains("`tls` feature"), "{error}");
        }
    }
}

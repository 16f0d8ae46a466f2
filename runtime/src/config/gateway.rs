//! The Pushgateway URL setting.

use std::net::ToSocketAddrs;

use super::parse::invalid;
use crate::error::Error;

/// A Pushgateway base URL: `http://host:port[/prefix]`.
#[derive(Clone, Debug)]
pub(crate) struct Gateway {
    url: String,
    authority: String,
    prefix: String,
}

impl Gateway {
    pub(crate) fn parse(origin: &'static str, value: &str) -> Result<Gateway, Error> {
        let url = value.trim().trim_end_matches('/');
        let Some(rest) = url.strip_prefix("http://") else {
            return Err(invalid(
                origin,
                value,
                "an http:// URL such as http://pushgateway:9091 (https is not supported: \
                 terminate TLS in a sidecar)",
            ));
        };
        let (authority, prefix) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let authority = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        if authority.starts_with(':') || authority.to_socket_addrs().is_err() {
            return Err(invalid(
                origin,
                value,
                "a reachable host and port in the URL",
            ));
        }
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("/{prefix}")
        };
        Ok(Gateway {
            url: url.to_owned(),
            authority,
            prefix,
        })
    }
    /// The URL as configured, for messages.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// `host:port`.
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    /// The path before `/metrics/job/...`: empty, or `/prefix`.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls() {
        let gateway = Gateway::parse("METRICS_PUSH_GATEWAY", "http://127.0.0.1:9091/").unwrap();
        assert_eq!(
            (gateway.authority.as_str(), gateway.prefix.as_str()),
            ("127.0.0.1:9091", "")
        );
        let gateway = Gateway::parse("METRICS_PUSH_GATEWAY", "http://127.0.0.1:9091/gw").unwrap();
        assert_eq!(gateway.prefix, "/gw");
        let error = Gateway::parse("METRICS_PUSH_GATEWAY", "https://gw:9091")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("METRICS_PUSH_GATEWAY") && error.contains("https://gw:9091"),
            "{error}"
        );
    }
}

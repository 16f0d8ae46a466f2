//! Settings read from the environment.

use std::net::{SocketAddr, ToSocketAddrs};

use crate::Error;

pub(crate) const ENABLE_METRICS: &str = "ENABLE_METRICS";
pub(crate) const METRICS_ADDR: &str = "METRICS_ADDR";

pub(crate) const DEFAULT_ADDR: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::UNSPECIFIED,
    9000,
));

/// Reads a variable; unset and empty both mean "not configured".
pub(crate) fn var(name: &'static str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(value)) => Err(Error::InvalidEnv {
            var: name,
            value: value.to_string_lossy().into_owned(),
            expected: "valid UTF-8".into(),
        }),
    }
}

pub(crate) fn parse_bool(var: &'static str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Error::InvalidEnv {
            var,
            value: value.into(),
            expected: "true/false, 1/0, yes/no or on/off".into(),
        }),
    }
}

pub(crate) fn parse_addr(var: &'static str, value: &str) -> Result<SocketAddr, Error> {
    let invalid = || Error::InvalidEnv {
        var,
        value: value.into(),
        expected: "an address such as 0.0.0.0:9000 or localhost:9000".into(),
    };
    if let Ok(addr) = value.trim().parse() {
        return Ok(addr);
    }
    value
        .trim()
        .to_socket_addrs()
        .map_err(|_| invalid())?
        .next()
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert!(parse_bool(ENABLE_METRICS, " TRUE ").unwrap());
        assert!(!parse_bool(ENABLE_METRICS, "0").unwrap());
        let error = parse_bool(ENABLE_METRICS, "maybe").unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid value \"maybe\" for ENABLE_METRICS: expected true/false, 1/0, yes/no or on/off"
        );
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr(METRICS_ADDR, "127.0.0.1:9100").unwrap(),
            "127.0.0.1:9100".parse().unwrap()
        );
        assert_eq!(
            parse_addr(METRICS_ADDR, "localhost:9100").unwrap().port(),
            9100
        );
        let error = parse_addr(METRICS_ADDR, "nine thousand")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("invalid value \"nine thousand\" for METRICS_ADDR"),
            "{error}"
        );
    }
}

//! The environment variables `Builder::from_env` reads, and how a variable is read.

use super::parse::invalid;
use super::tls::FileSetting;
use crate::error::Error;

pub(crate) const ENABLE_METRICS: &str = "ENABLE_METRICS";
pub(crate) const METRICS_ADDR: &str = "METRICS_ADDR";
pub(crate) const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
pub(crate) const METRICS_SUBSYSTEM: &str = "METRICS_SUBSYSTEM";
pub(crate) const METRICS_EXCLUDED_HANDLERS: &str = "METRICS_EXCLUDED_HANDLERS";
pub(crate) const METRICS_CUSTOM_LABELS: &str = "METRICS_CUSTOM_LABELS";
pub(crate) const METRICS_BUCKETS: &str = "METRICS_BUCKETS";
pub(crate) const METRICS_AUTH_TOKEN: &str = "METRICS_AUTH_TOKEN";
pub(crate) const METRICS_PUSH_GATEWAY: &str = "METRICS_PUSH_GATEWAY";
pub(crate) const METRICS_PUSH_INTERVAL: &str = "METRICS_PUSH_INTERVAL";
pub(crate) const METRICS_PUSH_JOB: &str = "METRICS_PUSH_JOB";
pub(crate) const METRICS_EXEMPLARS: &str = "METRICS_EXEMPLARS";
pub(crate) const METRICS_AUTH_TOKEN_FILE: &str = "METRICS_AUTH_TOKEN_FILE";
pub(crate) const METRICS_TLS_CERT_FILE: &str = "METRICS_TLS_CERT_FILE";
pub(crate) const METRICS_TLS_KEY_FILE: &str = "METRICS_TLS_KEY_FILE";
pub(crate) const METRICS_TLS_CLIENT_CA_FILE: &str = "METRICS_TLS_CLIENT_CA_FILE";
pub(crate) const METRICS_PUSH_USERNAME: &str = "METRICS_PUSH_USERNAME";
pub(crate) const METRICS_PUSH_PASSWORD_FILE: &str = "METRICS_PUSH_PASSWORD_FILE";
pub(crate) const METRICS_PUSH_CA_FILE: &str = "METRICS_PUSH_CA_FILE";

/// Reads a variable; unset and empty both mean "not configured".
pub(crate) fn var(name: &'static str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(value)) => {
            // A secret is not repeated into logs, even when it does not parse.
            let shown = if name == METRICS_AUTH_TOKEN {
                "<hidden>".into()
            } else {
                value.to_string_lossy()
            };
            Err(invalid(name, &shown, "valid UTF-8"))
        }
    }
}

/// A variable holding a file's path.
pub(crate) fn file(name: &'static str) -> Result<Option<FileSetting>, Error> {
    Ok(var(name)?.map(|path| FileSetting {
        origin: name,
        path: path.into(),
    }))
}

/// Two variables that only work together: both set, or neither.
pub(crate) fn pair(
    first: (&'static str, Option<FileSetting>),
    second: (&'static str, Option<FileSetting>),
) -> Result<Option<(FileSetting, FileSetting)>, Error> {
    match (first.1, second.1) {
        (Some(one), Some(other)) => Ok(Some((one, other))),
        (None, None) => Ok(None),
        (Some(set), None) | (None, Some(set)) => {
            let missing = if set.origin == first.0 {
                second.0
            } else {
                first.0
            };
            Err(invalid(
                set.origin,
                &set.path.display().to_string(),
                format!("{missing} to be set too"),
            ))
        }
    }
}

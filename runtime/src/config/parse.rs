//! Every parser and validation of settings, shared by the environment and the `Builder` setters.
//! Every error names where the value came from (`METRICS_ADDR`, `Builder::namespace`) and the
//! value itself.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use regex_lite::Regex;

use crate::error::Error;
use crate::model::names::{self, NameProblem};

pub(crate) fn invalid(origin: &'static str, value: &str, expected: impl Into<String>) -> Error {
    Error::Invalid {
        origin,
        value: value.to_owned(),
        expected: expected.into(),
    }
}

pub(crate) fn parse_bool(origin: &'static str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(origin, value, "true/false, 1/0, yes/no or on/off")),
    }
}

pub(crate) fn parse_addr(origin: &'static str, value: &str) -> Result<SocketAddr, Error> {
    let fail = || {
        invalid(
            origin,
            value,
            "an address such as 0.0.0.0:9000 or localhost:9000",
        )
    };
    if let Ok(addr) = value.trim().parse() {
        return Ok(addr);
    }
    value
        .trim()
        .to_socket_addrs()
        .map_err(|_| fail())?
        .next()
        .ok_or_else(fail)
}

/// A namespace or subsystem: what may precede `_` in a metric name.
pub(crate) fn parse_name_part(origin: &'static str, value: &str) -> Result<String, Error> {
    let value = value.trim();
    match names::name_part_problem(value) {
        None => Ok(value.to_owned()),
        Some(_) => Err(invalid(
            origin,
            value,
            "letters, digits and underscores, not starting with a digit or `__`",
        )),
    }
}

/// A custom label's name; `whole` is the setting it came from, shown in the error.
pub(crate) fn parse_label_name(
    origin: &'static str,
    whole: &str,
    name: &str,
) -> Result<String, Error> {
    let expected = match names::label_name_problem(name) {
        None if names::SERIES_LABELS.contains(&name) => format!(
            "label name `{name}` not to be one of the HTTP or objective series' own ({})",
            names::SERIES_LABELS.join(", ")
        ),
        None => return Ok(name.to_owned()),
        Some(NameProblem::DoubleUnderscore | NameProblem::ReservedLabel) => format!(
            "label name `{name}` not to be reserved (`__*`, {})",
            names::RESERVED_LABELS.join(", ")
        ),
        Some(_) => format!(
            "label name `{name}` to be letters, digits and underscores, not starting with a digit"
        ),
    };
    Err(invalid(origin, whole, expected))
}

/// `service=api,environment=prod`.
pub(crate) fn parse_labels(
    origin: &'static str,
    value: &str,
) -> Result<Vec<(String, String)>, Error> {
    let mut labels: Vec<(String, String)> = Vec::new();
    for pair in value
        .split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
    {
        let Some((name, label_value)) = pair.split_once('=') else {
            return Err(invalid(
                origin,
                value,
                format!("name=value pairs separated by commas; `{pair}` has no `=`"),
            ));
        };
        let name = parse_label_name(origin, value, name.trim())?;
        if labels.iter().any(|(existing, _)| *existing == name) {
            return Err(invalid(
                origin,
                value,
                format!("each label once; `{name}` is repeated"),
            ));
        }
        labels.push((name, label_value.trim().to_owned()));
    }
    Ok(labels)
}

/// Histogram bucket bounds in seconds: finite, positive, strictly increasing, at least one.
pub(crate) fn parse_buckets(origin: &'static str, value: &str) -> Result<Vec<f64>, Error> {
    let bounds = value
        .split(',')
        .map(|bound| bound.trim().parse::<f64>())
        .collect::<Result<Vec<f64>, _>>()
        .map_err(|_| {
            invalid(
                origin,
                value,
                "comma-separated numbers of seconds, such as 0.01,0.1,1",
            )
        })?;
    validate_buckets(origin, value, &bounds)?;
    Ok(bounds)
}

pub(crate) fn validate_buckets(
    origin: &'static str,
    value: &str,
    bounds: &[f64],
) -> Result<(), Error> {
    if bounds.is_empty() {
        return Err(invalid(origin, value, "at least one bucket bound"));
    }
    if let Some(bad) = bounds
        .iter()
        .find(|bound| !bound.is_finite() || **bound <= 0.0)
    {
        return Err(invalid(
            origin,
            value,
            format!("finite positive bounds; {bad} is not"),
        ));
    }
    if let Some(pair) = bounds.windows(2).find(|pair| pair[0] >= pair[1]) {
        return Err(invalid(
            origin,
            value,
            format!(
                "strictly increasing bounds; {} comes after {}",
                pair[1], pair[0]
            ),
        ));
    }
    Ok(())
}

/// `15s`, `500ms`, `2m`, or plain seconds.
pub(crate) fn parse_duration(origin: &'static str, value: &str) -> Result<Duration, Error> {
    let trimmed = value.trim();
    let (number, unit) = match trimmed.find(|c: char| c.is_ascii_alphabetic()) {
        Some(index) => trimmed.split_at(index),
        None => (trimmed, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .map(|number| number * scale)
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            invalid(
                origin,
                value,
                "a positive duration such as 15s, 500ms or 2m",
            )
        })
}

/// A pattern that must match the whole name: `Store::.*` excludes every method of `Store`.
pub(crate) fn parse_regex(origin: &'static str, pattern: &str) -> Result<Regex, Error> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|error| {
        invalid(
            origin,
            pattern,
            format!("a valid regular expression ({error})"),
        )
    })
}

pub(crate) fn parse_push_job(origin: &'static str, job: &str) -> Result<String, Error> {
    let job = job.trim();
    if job.is_empty() || job.contains('/') {
        return Err(invalid(origin, job, "a non-empty job name without `/`"));
    }
    Ok(job.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::{
        ENABLE_METRICS, METRICS_ADDR, METRICS_BUCKETS, METRICS_CUSTOM_LABELS, METRICS_NAMESPACE,
        METRICS_PUSH_INTERVAL,
    };

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

    #[test]
    fn name_parts() {
        assert_eq!(parse_name_part(METRICS_NAMESPACE, "acme").unwrap(), "acme");
        for bad in ["9lives", "a-b", "__x", "a.b", "ü"] {
            let error = parse_name_part(METRICS_NAMESPACE, bad)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("METRICS_NAMESPACE") && error.contains(bad),
                "{error}"
            );
        }
    }

    #[test]
    fn custom_labels() {
        let labels =
            parse_labels(METRICS_CUSTOM_LABELS, "service=api, environment = prod").unwrap();
        assert_eq!(
            labels,
            [
                ("service".into(), "api".into()),
                ("environment".into(), "prod".into())
            ]
        );
        assert_eq!(
            parse_labels(METRICS_CUSTOM_LABELS, "note=a=b").unwrap(),
            [("note".into(), "a=b".into())]
        );
        for (bad, why) in [
            ("service", "has no `=`"),
            ("1x=a", "label name `1x`"),
            ("le=1", "reserved"),
            ("function=x", "reserved"),
            ("__name__=x", "reserved"),
            ("handler=api", "HTTP or objective"),
            ("latency_le=0.25", "HTTP or objective"),
            ("a=1,a=2", "repeated"),
        ] {
            let error = parse_labels(METRICS_CUSTOM_LABELS, bad)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("METRICS_CUSTOM_LABELS") && error.contains(why),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn buckets() {
        assert_eq!(
            parse_buckets(METRICS_BUCKETS, "0.01, 0.1,1").unwrap(),
            [0.01, 0.1, 1.0]
        );
        for (bad, why) in [
            ("", "numbers"),
            ("0.1,x", "numbers"),
            ("1,0.5", "increasing"),
            ("0.1,0.1", "increasing"),
            ("-1", "positive"),
            ("inf", "finite"),
        ] {
            let error = parse_buckets(METRICS_BUCKETS, bad).unwrap_err().to_string();
            assert!(
                error.contains("METRICS_BUCKETS") && error.contains(why),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration(METRICS_PUSH_INTERVAL, "15s").unwrap(),
            Duration::from_secs(15)
        );
        assert_eq!(
            parse_duration(METRICS_PUSH_INTERVAL, "500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(
            parse_duration(METRICS_PUSH_INTERVAL, "2m").unwrap(),
            Duration::from_secs(120)
        );
        assert_eq!(
            parse_duration(METRICS_PUSH_INTERVAL, "3").unwrap(),
            Duration::from_secs(3)
        );
        for bad in ["0", "-1s", "soon", "5 parsecs"] {
            let error = parse_duration(METRICS_PUSH_INTERVAL, bad)
                .unwrap_err()
                .to_string();
            assert!(error.contains("METRICS_PUSH_INTERVAL"), "{error}");
        }
    }
}

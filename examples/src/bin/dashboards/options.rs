//! The command line: parsing and checking the options, and writing them back as the command
//! that produced a file.

use std::path::{Path, PathBuf};

// The default family, and the suffixes a family name must not end in.
use instrument_metrics_names::{DEFAULT_FAMILY, RESERVED_SUFFIXES};

pub const USAGE: &str = "\
usage: dashboards [--namespace NS] [--subsystem SUB] [--family NAME]... [--error-ratio R]
                  [--p99-seconds S] [--for DURATION] [--jobs JOB,JOB...]
                  [--keep-labels LABEL,LABEL...] [--min-events N] [--job-grace DURATION]
                  [--window-divisor N] [--out DIR]

Writes functions.json, http.json, slo.json, recording_rules.yml, alert_rules.yml,
slo_rules.yml, job_health_rules.yml and tests/*.yml.
Without --out it rewrites the repository's dashboards/ directory.";

/// Labels of the exported series, and `le`/`quantile` of histograms and summaries: a recording
/// rule already groups by them, or keeping them would undo the aggregation.
const TAKEN_LABELS: [&str; 11] = [
    "job", "instance", "module", "function", "result", "error", "le", "quantile", "handler",
    "method", "status",
];

pub struct Options {
    /// `namespace_subsystem_`, or empty: what the exporter puts before every family name.
    pub prefix: String,
    pub families: Vec<String>,
    pub error_ratio: f64,
    pub p99_seconds: f64,
    /// As given (`5m`), and in seconds.
    pub for_duration: String,
    pub for_seconds: u64,
    pub jobs: Vec<String>,
    /// Labels the recording rules keep besides `job` (METRICS_CUSTOM_LABELS such as
    /// `environment`, target labels such as `region`), so federated and remote-written series
    /// stay apart.
    pub keep: Vec<String>,
    /// Failed (slow) calls each window of a burn-rate alert must hold before it fires.
    pub min_events: u64,
    /// How late a job with an expected interval may be before it is stale, as given and in
    /// seconds.
    pub job_grace: String,
    pub job_grace_seconds: u64,
    /// Every objective window is divided by this (1 in production; tests shorten hours to
    /// minutes). It divides 60, so the unit tests' tick, 60 / divisor seconds, is whole.
    pub window_divisor: u64,
    pub out: PathBuf,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut namespace = None;
        let mut subsystem = None;
        let mut families = Vec::new();
        let mut error_ratio = 0.01;
        let mut p99_seconds = 1.0;
        let mut for_duration = "5m".to_owned();
        let mut jobs = Vec::new();
        let mut keep = Vec::new();
        let mut min_events = 5;
        let mut job_grace = "5m".to_owned();
        let mut window_divisor = 1;
        let mut out = None;
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| rest.next().cloned())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag {
                "--namespace" => namespace = Some(name_part("--namespace", &value()?)?),
                "--subsystem" => subsystem = Some(name_part("--subsystem", &value()?)?),
                "--family" => families.push(family_name(&value()?)?),
                "--error-ratio" => {
                    error_ratio = number("--error-ratio", &value()?, |ratio| {
                        ratio > 0.0 && ratio < 1.0
                    })?
                }
                "--p99-seconds" => {
                    p99_seconds = number("--p99-seconds", &value()?, |seconds| {
                        seconds > 0.0 && seconds < 1e6
                    })?
                }
                "--for" => for_duration = value()?,
                "--jobs" => jobs = comma_separated(&value()?).map(str::to_owned).collect(),
                "--keep-labels" => {
                    keep = comma_separated(&value()?)
                        .map(label_name)
                        .collect::<Result<_, _>>()?
                }
                "--min-events" => {
                    min_events = whole("--min-events", &value()?, |events| events >= 1)?
                }
                "--job-grace" => job_grace = value()?,
                "--window-divisor" => {
                    window_divisor = whole("--window-divisor", &value()?, |divisor| {
                        divisor >= 1 && 60 % divisor == 0
                    })?
                }
                "--out" => out = Some(PathBuf::from(value()?)),
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        let for_seconds = duration_seconds("--for", &for_duration)?;
        let job_grace_seconds = duration_seconds("--job-grace", &job_grace)?;
        if families.is_empty() {
            families.push(DEFAULT_FAMILY.to_owned());
        }
        let mut seen = Vec::new();
        families.retain(|family| {
            let first = !seen.contains(family);
            seen.push(family.clone());
            first
        });
        Ok(Options {
            prefix: namespace
                .iter()
                .chain(&subsystem)
                .map(|part| format!("{part}_"))
                .collect(),
            families,
            error_ratio,
            p99_seconds,
            for_duration,
            for_seconds,
            jobs,
            keep,
            min_events,
            job_grace,
            job_grace_seconds,
            window_divisor,
            out: out.unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join("dashboards")
            }),
        })
    }

    /// A family or metric name as the services export it: `acme_function_calls`.
    pub fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }

    /// The labels a recording rule sums `by`: `job`, the kept labels, then `rest`.
    pub fn by(&self, rest: &str) -> String {
        std::iter::once("job")
            .chain(self.keep.iter().map(String::as_str))
            .chain([rest])
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The namespace and subsystem as they appear in titles and dashboard uids: `acme_shop`.
    pub fn scope(&self) -> Option<&str> {
        Some(self.prefix.trim_end_matches('_')).filter(|scope| !scope.is_empty())
    }

    /// The error ratio threshold as titles and alerts print it: `1%`.
    pub fn error_ratio_percent(&self) -> String {
        let text = format!("{:.4}", self.error_ratio * 100.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}%")
    }

    /// The command that writes the files with these options, for their headers.
    pub fn command_line(&self) -> String {
        let mut command = "cargo run -p instrument-metrics-examples --bin dashboards --".to_owned();
        if let Some(scope) = self.scope() {
            command.push_str(&format!(" --namespace {scope}"));
        }
        if self.families != [DEFAULT_FAMILY] {
            for family in &self.families {
                command.push_str(&format!(" --family {family}"));
            }
        }
        command.push_str(&format!(
            " --error-ratio {} --p99-seconds {} --for {}",
            self.error_ratio, self.p99_seconds, self.for_duration
        ));
        if !self.jobs.is_empty() {
            command.push_str(&format!(" --jobs {}", self.jobs.join(",")));
        }
        if !self.keep.is_empty() {
            command.push_str(&format!(" --keep-labels {}", self.keep.join(",")));
        }
        command.push_str(&format!(
            " --min-events {} --job-grace {}",
            self.min_events, self.job_grace
        ));
        if self.window_divisor != 1 {
            command.push_str(&format!(" --window-divisor {}", self.window_divisor));
        }
        command
    }
}

/// The items of `A,B`, trimmed, without empty ones.
fn comma_separated(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Letters, digits and underscores, not starting with a digit or `__` (which Prometheus
/// reserves).
fn is_name(value: &str) -> bool {
    let mut chars = value.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|rest| rest.is_ascii_alphanumeric() || rest == '_')
        && !value.starts_with("__")
}

/// Mirrors the runtime's rule for `METRICS_NAMESPACE` and `METRICS_SUBSYSTEM`.
fn name_part(flag: &str, value: &str) -> Result<String, String> {
    if is_name(value) {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{flag} {value:?}: expected letters, digits and underscores, not starting with a digit or `__`"
        ))
    }
}

/// A label a recording rule may keep: not one it already groups by, nor one that would undo
/// the aggregation.
fn label_name(value: &str) -> Result<String, String> {
    if is_name(value) && !TAKEN_LABELS.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "--keep-labels {value:?}: expected a label name other than {}",
            TAKEN_LABELS.join(", ")
        ))
    }
}

/// Mirrors the attribute's rule for `name = "..."`.
fn family_name(value: &str) -> Result<String, String> {
    name_part("--family", value)?;
    match RESERVED_SUFFIXES
        .iter()
        .find(|suffix| value.ends_with(*suffix))
    {
        Some(suffix) => Err(format!(
            "--family {value:?}: a family name does not end in {suffix} (the exporter appends the suffixes)"
        )),
        None => Ok(value.to_owned()),
    }
}

fn number(flag: &str, value: &str, valid: impl Fn(f64) -> bool) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(number) if number.is_finite() && valid(number) => Ok(number),
        _ => Err(format!(
            "{flag} {value:?}: expected a number in range (--error-ratio between 0 and 1, --p99-seconds above 0)"
        )),
    }
}

/// A whole number that `valid` accepts.
fn whole(flag: &str, value: &str, valid: impl Fn(u64) -> bool) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(number) if valid(number) => Ok(number),
        _ => Err(format!(
            "{flag} {value:?}: expected a whole number in range (--min-events at least 1, --window-divisor a divisor of 60)"
        )),
    }
}

/// A Prometheus duration (`90s`, `5m`, `1h30m`) in whole seconds.
fn duration_seconds(flag: &str, value: &str) -> Result<u64, String> {
    let invalid = || {
        format!(
            "{flag} {value:?}: expected a Prometheus duration of whole seconds, such as 30s, 5m or 1h30m"
        )
    };
    let mut total = 0_u64;
    let mut rest = value.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        let amount: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total = amount
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("--for", "5m"), Ok(300));
        assert_eq!(duration_seconds("--for", "1h30m"), Ok(5400));
        assert!(duration_seconds("--for", "5").is_err());
        assert!(duration_seconds("--for", "1.5m").is_err());
        assert!(duration_seconds("--for", "").is_err());
    }
}

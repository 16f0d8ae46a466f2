//! The alerts: their names, conditions, labels and annotations. The alert rules write the
//! annotations as Prometheus templates, and the unit tests expect the text promtool expands
//! them to, so both come from here.

use crate::go_format::{humanize_duration, humanize_percentage};
use crate::options::Options;
use crate::promql::{RULE_WINDOW, Recorded, regex_escape};
use crate::yaml;

pub enum Alert<'a> {
    /// A function of the family fails more often than `--error-ratio`.
    FunctionErrorRatioHigh {
        family: &'a str,
    },
    /// A function of the family is slower than `--p99-seconds` at the 99th percentile.
    FunctionLatencyHigh {
        family: &'a str,
    },
    HttpErrorRatioHigh,
    HttpLatencyHigh,
    /// Prometheus cannot scrape a target of `--jobs`.
    InstanceDown,
}

/// The series an alert fired for, as its annotations name it: Prometheus templates in the rule
/// file, the values they expand to in the unit tests.
pub struct Subject<'a> {
    /// `module::function`, the route or the instance.
    pub who: &'a str,
    pub job: &'a str,
    /// The alert's value, printed as the alert prints it (InstanceDown prints none).
    pub value: &'a str,
}

pub struct Annotations {
    pub summary: String,
    pub description: String,
}

impl Annotations {
    /// `summary` and `description` at `indent`, as the rule files and the unit tests write them.
    pub fn write_yaml(&self, out: &mut String, indent: usize) {
        yaml::field(out, indent, "summary", &self.summary);
        yaml::field(out, indent, "description", &self.description);
    }
}

impl Alert<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Alert::FunctionErrorRatioHigh { .. } => "FunctionErrorRatioHigh",
            Alert::FunctionLatencyHigh { .. } => "FunctionLatencyHigh",
            Alert::HttpErrorRatioHigh => "HttpErrorRatioHigh",
            Alert::HttpLatencyHigh => "HttpLatencyHigh",
            Alert::InstanceDown => "InstanceDown",
        }
    }

    /// The condition, on the recorded series (or `up`).
    pub fn expr(&self, options: &Options) -> String {
        let ratio = options.error_ratio;
        let p99 = options.p99_seconds;
        match self {
            Alert::FunctionErrorRatioHigh { family } => {
                format!(
                    "{} > {ratio}",
                    Recorded::function(options, family).errors_ratio
                )
            }
            Alert::FunctionLatencyHigh { family } => {
                format!("{} > {p99}", Recorded::function(options, family).p99)
            }
            Alert::HttpErrorRatioHigh => {
                format!("{} > {ratio}", Recorded::http(options).errors_ratio)
            }
            Alert::HttpLatencyHigh => format!("{} > {p99}", Recorded::http(options).p99),
            // `up == 0`, or `up{job=~"a|b"} == 0` with `--jobs a,b`.
            Alert::InstanceDown if options.jobs.is_empty() => "up == 0".to_owned(),
            Alert::InstanceDown => {
                let jobs: Vec<String> = options.jobs.iter().map(|job| regex_escape(job)).collect();
                format!(r#"up{{job=~"{}"}} == 0"#, jobs.join("|"))
            }
        }
    }

    /// The labels the rule adds: `severity`, and `family` for function alerts, which would
    /// otherwise have the same name and labels in every family's group.
    pub fn labels(&self, options: &Options) -> Vec<(&'static str, String)> {
        match self {
            Alert::FunctionErrorRatioHigh { family } | Alert::FunctionLatencyHigh { family } => {
                vec![
                    ("severity", "warning".to_owned()),
                    ("family", options.name(family)),
                ]
            }
            Alert::HttpErrorRatioHigh | Alert::HttpLatencyHigh => {
                vec![("severity", "warning".to_owned())]
            }
            Alert::InstanceDown => vec![("severity", "critical".to_owned())],
        }
    }

    /// The subject as the rule's annotations write it, in Prometheus templates.
    pub fn template_subject(&self) -> Subject<'static> {
        let who = match self {
            Alert::FunctionErrorRatioHigh { .. } | Alert::FunctionLatencyHigh { .. } => {
                "{{ $labels.module }}::{{ $labels.function }}"
            }
            Alert::HttpErrorRatioHigh | Alert::HttpLatencyHigh => "{{ $labels.handler }}",
            Alert::InstanceDown => "{{ $labels.instance }}",
        };
        let value = match self {
            Alert::FunctionErrorRatioHigh { .. } | Alert::HttpErrorRatioHigh => {
                "{{ $value | humanizePercentage }}"
            }
            Alert::FunctionLatencyHigh { .. } | Alert::HttpLatencyHigh => {
                "{{ $value | humanizeDuration }}"
            }
            Alert::InstanceDown => "",
        };
        Subject {
            who,
            job: "{{ $labels.job }}",
            value,
        }
    }

    /// What the template of [`Alert::template_subject`]'s value prints for `value`.
    pub fn value_text(&self, value: f64) -> String {
        match self {
            Alert::FunctionErrorRatioHigh { .. } | Alert::HttpErrorRatioHigh => {
                humanize_percentage(value)
            }
            Alert::FunctionLatencyHigh { .. } | Alert::HttpLatencyHigh => humanize_duration(value),
            Alert::InstanceDown => String::new(),
        }
    }

    pub fn annotations(&self, options: &Options, subject: &Subject) -> Annotations {
        let Subject { who, job, value } = subject;
        let ratio = options.error_ratio_percent();
        let p99 = options.p99_seconds;
        let (summary, description) = match self {
            Alert::FunctionErrorRatioHigh { family } => (
                format!("{who} fails more than {ratio} of its calls"),
                format!(
                    "{who} (job {job}, family {}) returned an error or panicked in {value} of its calls over the last {RULE_WINDOW}; the threshold is {ratio}.",
                    options.name(family)
                ),
            ),
            Alert::FunctionLatencyHigh { family } => (
                format!("{who} p99 latency is above {p99}s"),
                format!(
                    "The 99th percentile duration of {who} (job {job}, family {}) over the last {RULE_WINDOW} is {value}; the threshold is {p99}s.",
                    options.name(family)
                ),
            ),
            Alert::HttpErrorRatioHigh => (
                format!("{who} answers more than {ratio} of requests with 5xx"),
                format!(
                    "Route {who} of job {job} answered {value} of its requests with a 5xx status over the last {RULE_WINDOW}; the threshold is {ratio}."
                ),
            ),
            Alert::HttpLatencyHigh => (
                format!("{who} p99 latency is above {p99}s"),
                format!(
                    "The 99th percentile duration of requests to {who} (job {job}) over the last {RULE_WINDOW} is {value}; the threshold is {p99}s."
                ),
            ),
            Alert::InstanceDown => (
                format!("{who} (job {job}) is down"),
                format!(
                    "Prometheus has failed to scrape {who} of job {job} for {}: the process is down, or its metrics endpoint is unreachable.",
                    options.for_duration
                ),
            ),
        };
        Annotations {
            summary,
            description,
        }
    }
}

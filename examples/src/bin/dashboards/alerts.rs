//! The alerts: their names, conditions, labels and annotations. The alert rules write the
//! annotations as Prometheus templates, and the unit tests expect the text promtool expands
//! them to, so both come from here.

use crate::go_format::{humanize_duration, humanize_percentage};
use crate::job_health::stale_jobs;
use crate::objectives::{Kind, window_seconds};
use crate::options::Options;
use crate::promql::{RULE_WINDOW, Recorded, regex_escape};
use crate::yaml;

/// A tier of the multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5): it
/// fires while the budget burns more than `factor` times too fast over both windows.
pub struct Tier {
    pub severity: &'static str,
    pub factor: f64,
    pub long: &'static str,
    pub short: &'static str,
}

/// Page when 2% of a 30-day budget goes in an hour, or 5% in six hours; open a ticket when 10%
/// goes in three days.
pub const TIERS: [Tier; 3] = [
    Tier {
        severity: "page",
        factor: 14.4,
        long: "1h",
        short: "5m",
    },
    Tier {
        severity: "page",
        factor: 6.0,
        long: "6h",
        short: "30m",
    },
    Tier {
        severity: "ticket",
        factor: 1.0,
        long: "3d",
        short: "6h",
    },
];

/// The period a budget is spent over, in days, as the annotations say.
const BUDGET_DAYS: f64 = 30.0;

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
    /// An objective spends its error (`Kind::Errors`) or latency budget `tier.factor` times
    /// too fast over both of the tier's windows.
    BudgetBurn {
        kind: Kind,
        tier: &'a Tier,
    },
    /// A function of the family with an expected interval has not succeeded for longer than
    /// that plus `--job-grace`.
    JobStale {
        family: &'a str,
    },
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
            Alert::BudgetBurn {
                kind: Kind::Errors, ..
            } => "ErrorBudgetBurn",
            Alert::BudgetBurn {
                kind: Kind::Slow, ..
            } => "LatencyBudgetBurn",
            Alert::JobStale { .. } => "JobStale",
        }
    }

    /// How long the condition must hold: `--for` for the threshold alerts; none for the burn
    /// rates (the short window already confirms the burn) and stale jobs (the condition is a
    /// duration itself).
    pub fn for_duration<'o>(&self, options: &'o Options) -> Option<&'o str> {
        match self {
            Alert::BudgetBurn { .. } | Alert::JobStale { .. } => None,
            _ => Some(&options.for_duration),
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
            Alert::BudgetBurn { kind, tier } => {
                let factor = tier.factor;
                let min = options.min_events;
                // The guard: enough failed (slow) calls in the window, ratio * calls * seconds.
                let enough = |window: &str| {
                    format!(
                        "{} * {} * {} >= {min}",
                        kind.ratio(window),
                        kind.events(window),
                        window_seconds(options, window)
                    )
                };
                format!(
                    "{} > {factor}\nand\n{} > {factor}\nand\n{}\nand\n{}",
                    kind.burn_rate(tier.long),
                    kind.burn_rate(tier.short),
                    enough(tier.long),
                    enough(tier.short)
                )
            }
            Alert::JobStale { family } => stale_jobs(options, family),
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
            Alert::BudgetBurn { tier, .. } => vec![
                ("severity", tier.severity.to_owned()),
                ("long_window", tier.long.to_owned()),
                ("short_window", tier.short.to_owned()),
            ],
            Alert::JobStale { family } => vec![
                ("severity", "warning".to_owned()),
                ("family", options.name(family)),
            ],
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
            Alert::BudgetBurn { .. } => "{{ $labels.objective }}",
            Alert::JobStale { .. } => {
                "{{ $labels.module }}::{{ $labels.function }} on {{ $labels.instance }}"
            }
        };
        let value = match self {
            Alert::FunctionErrorRatioHigh { .. } | Alert::HttpErrorRatioHigh => {
                "{{ $value | humanizePercentage }}"
            }
            Alert::FunctionLatencyHigh { .. } | Alert::HttpLatencyHigh | Alert::JobStale { .. } => {
                "{{ $value | humanizeDuration }}"
            }
            Alert::BudgetBurn { .. } => r#"{{ $value | printf "%.1f" }}"#,
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
            Alert::FunctionLatencyHigh { .. } | Alert::HttpLatencyHigh | Alert::JobStale { .. } => {
                humanize_duration(value)
            }
            Alert::BudgetBurn { .. } => format!("{value:.1}"),
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
            Alert::BudgetBurn { kind, tier } => {
                let (budget, calls) = match kind {
                    Kind::Errors => ("error", "failed"),
                    Kind::Slow => ("latency", "slower than its threshold"),
                };
                let factor = tier.factor;
                let days = format!("{:.1}", BUDGET_DAYS / factor);
                let days = days.trim_end_matches(".0");
                (
                    format!(
                        "Objective {who} of job {job} burns its {budget} budget {factor} times too fast"
                    ),
                    format!(
                        "Over the last {} the share of calls {calls} is {value} times what the objective's target allows, and over the last {} more than {factor} times: at {factor} times, a {BUDGET_DAYS}-day budget lasts {days} days.",
                        tier.long, tier.short
                    ),
                )
            }
            Alert::JobStale { family } => (
                format!("{who} has not succeeded within its expected interval"),
                format!(
                    "{who} (job {job}, family {}) last succeeded {value} ago (counted from the process's start when it has not succeeded since), longer than its expected interval plus a grace of {}.",
                    options.name(family),
                    options.job_grace
                ),
            ),
        };
        Annotations {
            summary,
            description,
        }
    }
}

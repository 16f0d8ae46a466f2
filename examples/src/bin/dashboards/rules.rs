//! `recording_rules.yml` and `alert_rules.yml`: the rule groups, one per function family, one
//! for HTTP and one for scrape targets, and how a rule file writes them.

use crate::alerts::Alert;
use crate::options::Options;
use crate::promql::{
    FAILED_RESULTS, FAILED_STATUSES, RULE_WINDOW, Recorded, rate, selector, zero_safe_ratio,
};
use crate::yaml;
use instrument_metrics_names::http;

pub enum Rule<'a> {
    Record { name: String, expr: String },
    Alert(Alert<'a>),
}

pub struct Group<'a> {
    pub name: String,
    pub rules: Vec<Rule<'a>>,
}

/// The recording rules file.
pub fn recording_rules(options: &Options) -> String {
    rule_file(
        options,
        "Recording rules: the expensive expressions, evaluated once per interval. \
         The alert rules read these series; load both files.",
        &recording_groups(options),
    )
}

/// The alert rules file.
pub fn alert_rules(options: &Options) -> String {
    rule_file(
        options,
        "Alert rules. They read the series of recording_rules.yml: load both files.",
        &alert_groups(options),
    )
}

/// The series a group of recording rules reads: calls of a function family, or HTTP requests.
struct Calls {
    total: String,
    bucket: String,
    /// The labels the recorded rate is split by besides `by`: the outcome of a call, from which
    /// the error ratio picks the failed ones.
    outcome: &'static str,
    /// Selects the failed calls among the recorded rates.
    failed: String,
}

fn recording_groups(options: &Options) -> Vec<Group<'static>> {
    let mut groups: Vec<Group> = options
        .families
        .iter()
        .map(|family| {
            let full = options.name(family);
            recording_group(
                format!("instrument-metrics.{full}"),
                Recorded::function(options, family),
                &options.by("module, function"),
                Calls {
                    total: format!("{full}_total"),
                    bucket: format!("{full}_duration_seconds_bucket"),
                    outcome: "result",
                    failed: format!(r#"result=~"{FAILED_RESULTS}""#),
                },
            )
        })
        .collect();
    groups.push(recording_group(
        format!("instrument-metrics.{}", options.name("http")),
        Recorded::http(options),
        &options.by("handler"),
        Calls {
            total: options.name(http::REQUESTS),
            bucket: options.name("http_request_duration_seconds_bucket"),
            outcome: "method, status",
            failed: format!(r#"status=~"{FAILED_STATUSES}""#),
        },
    ));
    groups
}

/// The rate, error ratio, bucket rates and p99 of `calls`, summed `by`.
fn recording_group(name: String, recorded: Recorded, by: &str, calls: Calls) -> Group<'static> {
    let Calls {
        total,
        bucket,
        outcome,
        failed,
    } = calls;
    Group {
        name,
        rules: vec![
            Rule::Record {
                name: recorded.rate.clone(),
                expr: format!(
                    "sum by ({by}, {outcome}) ({})",
                    rate(&total, &[], RULE_WINDOW)
                ),
            },
            Rule::Record {
                name: recorded.errors_ratio,
                expr: zero_safe_ratio(by, &selector(&recorded.rate, &[failed]), &recorded.rate),
            },
            Rule::Record {
                name: recorded.bucket_rate.clone(),
                expr: format!("sum by ({by}, le) ({})", rate(&bucket, &[], RULE_WINDOW)),
            },
            Rule::Record {
                name: recorded.p99,
                expr: format!("histogram_quantile(0.99, {})", recorded.bucket_rate),
            },
        ],
    }
}

fn alert_groups(options: &Options) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = options
        .families
        .iter()
        .map(|family| Group {
            name: format!("instrument-metrics.{}.alerts", options.name(family)),
            rules: vec![
                Rule::Alert(Alert::FunctionErrorRatioHigh { family }),
                Rule::Alert(Alert::FunctionLatencyHigh { family }),
            ],
        })
        .collect();
    groups.push(Group {
        name: format!("instrument-metrics.{}.alerts", options.name("http")),
        rules: vec![
            Rule::Alert(Alert::HttpErrorRatioHigh),
            Rule::Alert(Alert::HttpLatencyHigh),
        ],
    });
    groups.push(Group {
        name: "instrument-metrics.instances.alerts".to_owned(),
        rules: vec![Rule::Alert(Alert::InstanceDown)],
    });
    groups
}

pub fn rule_file(options: &Options, what: &str, groups: &[Group]) -> String {
    let mut out = yaml::header(options, what);
    out.push_str("groups:\n");
    for group in groups {
        out.push_str(&format!(
            "  - name: {}\n    rules:\n",
            yaml::scalar(&group.name)
        ));
        for rule in &group.rules {
            match rule {
                Rule::Record { name, expr } => {
                    out.push_str(&format!("      - record: {}\n", yaml::scalar(name)));
                    yaml::field(&mut out, 8, "expr", expr);
                }
                Rule::Alert(alert) => {
                    out.push_str(&format!("      - alert: {}\n", yaml::scalar(alert.name())));
                    yaml::field(&mut out, 8, "expr", &alert.expr(options));
                    if let Some(duration) = alert.for_duration(options) {
                        yaml::field(&mut out, 8, "for", duration);
                    }
                    out.push_str("        labels:\n");
                    for (name, value) in alert.labels(options) {
                        yaml::field(&mut out, 10, name, &value);
                    }
                    out.push_str("        annotations:\n");
                    alert
                        .annotations(options, &alert.template_subject())
                        .write_yaml(&mut out, 10);
                }
            }
        }
    }
    out
}

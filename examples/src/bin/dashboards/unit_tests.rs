//! `promtool test rules` files: what a unit test holds (input series, alert checks, expression
//! checks) and how a file writes them.

use crate::alerts::{Alert, Annotations, Subject};
use crate::go_format::go_float_literal;
use crate::options::Options;
use crate::yaml;

/// What the recorded values of the unit tests are rounded to.
const ROUND_TO: &str = "0.000001";

pub struct UnitTest {
    pub name: String,
    /// (series, values in promtool's expanding notation)
    pub series: Vec<(String, String)>,
    pub alerts: Vec<AlertCheck>,
    pub exprs: Vec<ExprCheck>,
}

pub struct AlertCheck {
    /// In ticks of the file (minutes unless the file says otherwise).
    eval_minutes: u64,
    alert: &'static str,
    expected: Vec<ExpectedAlert>,
}

impl AlertCheck {
    /// `alert` at `eval_at` ticks, firing exactly as `expected` says (nothing when empty).
    pub fn new(eval_at: u64, alert: &'static str, expected: Vec<ExpectedAlert>) -> AlertCheck {
        AlertCheck {
            eval_minutes: eval_at,
            alert,
            expected,
        }
    }
}

pub struct ExpectedAlert {
    alert: &'static str,
    labels: Vec<(String, String)>,
    annotations: Annotations,
}

impl ExpectedAlert {
    /// `alert` firing for the series with `labels` (after the rule's own), its annotations
    /// expanded for `subject`.
    pub fn new(
        options: &Options,
        alert: &Alert,
        labels: &[(&str, &str)],
        subject: &Subject,
    ) -> ExpectedAlert {
        let rule_labels = alert.labels(options);
        let rule_labels = rule_labels
            .iter()
            .map(|(name, value)| (*name, value.as_str()));
        ExpectedAlert {
            alert: alert.name(),
            labels: rule_labels
                .chain(labels.iter().copied())
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            annotations: alert.annotations(options, subject),
        }
    }
}

/// Checks that each alert is quiet at `quiet_at`, while its condition holds but for less than
/// `--for` (`None` when `--for` is under a minute), and fires as `firing` expects at `fired_at`.
pub fn quiet_then_firing(
    quiet_at: Option<u64>,
    fired_at: u64,
    firing: Vec<ExpectedAlert>,
) -> Vec<AlertCheck> {
    let mut checks = Vec::new();
    if let Some(quiet_at) = quiet_at {
        for expected in &firing {
            checks.push(AlertCheck {
                eval_minutes: quiet_at,
                alert: expected.alert,
                expected: Vec::new(),
            });
        }
    }
    for expected in firing {
        checks.push(AlertCheck {
            eval_minutes: fired_at,
            alert: expected.alert,
            expected: vec![expected],
        });
    }
    checks
}

pub struct ExprCheck {
    pub expr: String,
    pub eval_minutes: u64,
    /// (series, value)
    pub samples: Vec<(String, f64)>,
}

pub fn unit_test_file(options: &Options, what: &str, tests: &[UnitTest]) -> String {
    let layout = Layout {
        rule_files: &["recording_rules.yml", "alert_rules.yml"],
        tick_seconds: 60,
        note: "Every input series has one sample a minute; rates over 5m are exact from minute 5 on.",
    };
    unit_test_file_of(options, what, &layout, tests)
}

/// What a unit test file loads, and its clock.
pub struct Layout<'a> {
    /// Rule files of the generated directory.
    pub rule_files: &'a [&'a str],
    /// Seconds between samples and between evaluations: a tick.
    pub tick_seconds: u64,
    /// A comment on the input series.
    pub note: &'a str,
}

impl Layout<'_> {
    /// `ticks` as a promtool duration: minutes when a tick is a minute.
    fn duration(&self, ticks: u64) -> String {
        if self.tick_seconds == 60 {
            format!("{ticks}m")
        } else {
            format!("{}s", ticks * self.tick_seconds)
        }
    }
}

pub fn unit_test_file_of(
    options: &Options,
    what: &str,
    layout: &Layout,
    tests: &[UnitTest],
) -> String {
    let mut out = yaml::header(options, what);
    out.push_str(&format!("# {}\nrule_files:\n", layout.note));
    for file in layout.rule_files {
        out.push_str(&format!("  - ../{file}\n"));
    }
    let tick = layout.duration(1);
    out.push_str(&format!("evaluation_interval: {tick}\ntests:\n"));
    for test in tests {
        yaml::field(&mut out, 2, "- name", &test.name);
        out.push_str(&format!("    interval: {tick}\n    input_series:\n"));
        for (series, values) in &test.series {
            yaml::field(&mut out, 6, "- series", series);
            yaml::field(&mut out, 8, "values", values);
        }
        if !test.alerts.is_empty() {
            out.push_str("    alert_rule_test:\n");
        }
        for check in &test.alerts {
            out.push_str(&format!(
                "      - eval_time: {}\n",
                layout.duration(check.eval_minutes)
            ));
            yaml::field(&mut out, 8, "alertname", check.alert);
            if check.expected.is_empty() {
                out.push_str("        exp_alerts: []\n");
                continue;
            }
            out.push_str("        exp_alerts:\n");
            for alert in &check.expected {
                out.push_str("          - exp_labels:\n");
                for (name, value) in &alert.labels {
                    yaml::field(&mut out, 14, name, value);
                }
                out.push_str("            exp_annotations:\n");
                alert.annotations.write_yaml(&mut out, 14);
            }
        }
        if !test.exprs.is_empty() {
            out.push_str("    promql_expr_test:\n");
        }
        for check in &test.exprs {
            // promtool compares values bit for bit, and a rate carries float error from its
            // extrapolation (977.0000000000001): values are compared rounded to a millionth.
            // `round` drops the metric name, so the expected series are labels only.
            yaml::field(
                &mut out,
                6,
                "- expr",
                &format!("round({}, {ROUND_TO})", check.expr),
            );
            out.push_str(&format!(
                "        eval_time: {}\n",
                layout.duration(check.eval_minutes)
            ));
            out.push_str("        exp_samples:\n");
            for (series, value) in &check.samples {
                let labels = series.find('{').map_or("{}", |start| &series[start..]);
                yaml::field(&mut out, 10, "- labels", labels);
                out.push_str(&format!(
                    "            value: {}\n",
                    go_float_literal(promql_round(*value))
                ));
            }
        }
    }
    out
}

/// PromQL's `round(value, 0.000001)`, operation for operation.
fn promql_round(value: f64) -> f64 {
    let inverse = 1.0 / 0.000_001;
    (value * inverse + 0.5).floor() / inverse
}

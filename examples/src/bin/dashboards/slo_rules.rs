//! `slo_rules.yml` and `job_health_rules.yml`: the objectives' recorded ratios and burn rates
//! with their multi-window burn-rate alerts, and the stale-job alert of every family.

use crate::alerts::{Alert, TIERS};
use crate::objectives::{Kind, WINDOWS, by_objective};
use crate::options::Options;
use crate::rules::{Group, Rule, rule_file};

/// The SLO rules file: one group, the recording rules first and the alerts after them. A group
/// evaluates its rules in order, so each burn rate reads the ratios recorded just before it and
/// the alerts read this evaluation's burn rates; groups run independently, so an alert in a
/// group of its own could read the previous evaluation's (and fire an interval late).
pub fn slo_rules(options: &Options) -> String {
    let mut records = Vec::new();
    for kind in Kind::BOTH {
        records.push(Rule::Record {
            name: kind.budget(),
            expr: kind.budget_expr(options),
        });
    }
    for window in WINDOWS {
        for kind in Kind::BOTH {
            let events = kind.events(window);
            records.push(Rule::Record {
                name: events.clone(),
                expr: kind.events_expr(options, window),
            });
            records.push(Rule::Record {
                name: kind.ratio(window),
                expr: kind.ratio_expr(options, window, &events),
            });
            records.push(Rule::Record {
                name: kind.burn_rate(window),
                expr: format!(
                    "{}\n/ on ({}) {}",
                    kind.ratio(window),
                    by_objective(options),
                    kind.budget()
                ),
            });
        }
    }
    records.extend(Kind::BOTH.into_iter().flat_map(|kind| {
        TIERS
            .iter()
            .map(move |tier| Rule::Alert(Alert::BudgetBurn { kind, tier }))
    }));
    rule_file(
        options,
        "Objectives: error and slow ratios and burn rates per window, and multi-window burn-rate alerts. \
         Needs the target gauges of #[instrument_metrics(objective = ...)] and HttpMetricsLayer::objective.",
        &[Group {
            name: "instrument-metrics.objectives".to_owned(),
            rules: records,
        }],
    )
}

/// The job health rules file: one stale-job alert per family.
pub fn job_health_rules(options: &Options) -> String {
    let groups: Vec<Group> = options
        .families
        .iter()
        .map(|family| Group {
            name: format!("instrument-metrics.{}.jobs", options.name(family)),
            rules: vec![Rule::Alert(Alert::JobStale { family })],
        })
        .collect();
    rule_file(
        options,
        "Background jobs: functions with #[instrument_metrics(last_success = \"...\")] that have not succeeded within their interval.",
        &groups,
    )
}

//! `slo.json`: the objectives declared in code, what is left of each budget over 30 days, and
//! how fast each burns over every recorded window. It reads the series of `slo_rules.yml`.

use serde_json::Value;

use crate::alerts::TIERS;
use crate::grafana::{
    at, dashboard, datasource_variable, instant, query_variable, range, table, timeseries,
};
use crate::objectives::{Kind, WINDOWS, by_objective};
use crate::options::Options;

/// The period the remaining budget is measured over.
const BUDGET_PERIOD: &str = "30d";

/// The objectives' recorded budgets, the series the variables list values from.
const BUDGETS: &str = r#"__name__=~"objective:(error|slow)_budget:ratio""#;

/// The matchers of the dashboard's variables.
const FILTERS: &str = r#"job=~"$job", objective=~"$objective""#;

pub fn slo_dashboard(options: &Options) -> Value {
    let mut panels = Vec::new();
    for (row, kind) in Kind::BOTH.into_iter().enumerate() {
        let y = u32::try_from(row).unwrap_or(0) * 16;
        let (what, target_title, bad) = match kind {
            Kind::Errors => ("Error", "Success objectives", "failed"),
            Kind::Slow => ("Latency", "Latency objectives", "slower than its threshold"),
        };
        let budget = format!("{}{{{FILTERS}}}", kind.budget());
        panels.push(table(
            target_title,
            &format!(
                "Each objective's target: the share of calls that must not be {bad}, from the target gauges of #[instrument_metrics(objective = ...)] and HttpMetricsLayer::objective."
            ),
            "percentunit",
            None,
            "target",
            at(0, y, 8, 8),
            instant(format!("1 - {budget}"), "{{objective}}"),
        ));
        // 1 - (bad share over 30 days) / (allowed share): 1 is untouched, 0 is spent, below
        // 0 is overspent.
        let events = kind.events_expr(options, BUDGET_PERIOD);
        let ratio = kind.ratio_expr(options, BUDGET_PERIOD, &events);
        panels.push(table(
            &format!("{what} budget remaining (30 days)"),
            &format!(
                "What is left of each objective's budget of {bad} calls over the last 30 days: 100% is untouched, 0 spent, below 0 overspent. Computed from the raw series over 30 days, so it may take a moment."
            ),
            "percentunit",
            Some(0.0),
            "remaining",
            at(8, y, 16, 8),
            instant(
                format!(
                    "1 - (\n{ratio}\n) / on ({}) {budget}",
                    by_objective(options)
                ),
                "{{objective}}",
            ),
        ));
        panels.push(timeseries(
            &format!("{what} budget burn per window"),
            &format!(
                "How many times faster than allowed the budget is spent, over each recorded window: 1 spends it exactly in 30 days. The alerts page at {} times over 1h (and 5m) and at {} times over 6h (and 30m), and open a ticket at {} time over 3d (and 6h); the dashed line is the first.",
                TIERS[0].factor, TIERS[1].factor, TIERS[2].factor
            ),
            "none",
            Some(TIERS[0].factor),
            at(0, y + 8, 24, 8),
            WINDOWS
                .iter()
                .map(|window| {
                    range(
                        format!("{}{{{FILTERS}}}", kind.burn_rate(window)),
                        &format!("{{{{objective}}}} {window}"),
                    )
                })
                .collect(),
        ));
    }
    dashboard(
        options,
        "instrument-metrics-slo",
        "Objectives",
        "Objectives declared in code: targets, error and latency budgets left over 30 days, and burn rates over every window of the burn-rate alerts.",
        vec![
            datasource_variable(),
            variable(
                "job",
                "Job",
                "Scrape jobs whose functions or routes have an objective.",
                "",
            ),
            variable(
                "objective",
                "Objective",
                "Objectives of the selected jobs.",
                r#", job=~"$job""#,
            ),
        ],
        panels,
    )
}

/// A variable of the values of `name` on the recorded budgets, narrowed by `filter`.
fn variable(name: &str, title: &str, description: &str, filter: &str) -> Value {
    let definition = format!("label_values({{{BUDGETS}{filter}}}, {name})");
    query_variable(name, title, description, &definition)
}

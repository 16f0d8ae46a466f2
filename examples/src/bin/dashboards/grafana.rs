//! Grafana's JSON model: panels, queries, template variables and the dashboard around them,
//! with the settings every generated dashboard shares.

use serde_json::{Value, json};

use crate::options::Options;
use crate::promql::selector;

const DATASOURCE: &str = "${datasource}";

/// The window of the panels' rates: Grafana fits it to the zoom level and the scrape interval,
/// so a rate always spans enough samples.
pub const RATE_INTERVAL: &str = "$__rate_interval";

/// The window of the tables' instant queries: the dashboard's whole time range.
pub const WHOLE_RANGE: &str = "$__range";

pub fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": DATASOURCE })
}

/// The trace data source the exemplars' links open: a dashboard variable, so one file serves
/// every environment.
const TRACES: &str = "${traces}";

/// A query of a panel: a range query drawn over time, or an instant query for tables and stats.
pub struct Query {
    expr: String,
    legend: String,
    instant: bool,
    /// Ask Prometheus for the exemplars (trace ids) of the histogram buckets the query reads.
    exemplar: bool,
}

pub fn range(expr: String, legend: &str) -> Query {
    Query {
        expr,
        legend: legend.to_owned(),
        instant: false,
        exemplar: false,
    }
}

pub fn instant(expr: String, legend: &str) -> Query {
    Query {
        expr,
        legend: legend.to_owned(),
        instant: true,
        exemplar: false,
    }
}

/// The p50, p95 and p99 of `quantile(q)` drawn over time, labelled `p50 {legend}`, ..., with
/// the buckets' exemplars: a slow request's trace is a click away from the spike.
pub fn percentiles(quantile: impl Fn(&str) -> String, legend: &str) -> Vec<Query> {
    [("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")]
        .into_iter()
        .map(|(q, name)| Query {
            exemplar: true,
            ..range(quantile(q), &format!("{name} {legend}"))
        })
        .collect()
}

/// The link on an exemplar: its `trace_id` opened in Explore on the `traces` data source.
fn trace_link() -> Value {
    // Explore's `left` pane as URL-encoded JSON: {"datasource":"${traces}","queries":[{"refId":
    // "A","query":"<trace id>"}]}; Grafana fills in both variables when the link is clicked.
    let url = format!(
        "/explore?left=%7B%22datasource%22%3A%22{TRACES}%22%2C%22queries%22%3A%5B%7B%22refId%22%3A%22A%22%2C%22query%22%3A%22${{__data.fields.trace_id}}%22%7D%5D%7D"
    );
    json!({ "title": "Trace ${__data.fields.trace_id}", "url": url, "targetBlank": true })
}

fn targets(queries: Vec<Query>) -> Value {
    let targets: Vec<Value> = queries
        .into_iter()
        .enumerate()
        .map(|(index, query)| {
            let ref_id = char::from(b'A' + u8::try_from(index).unwrap_or(25).min(25));
            let mut target = json!({
                "datasource": datasource(),
                "editorMode": "code",
                "expr": query.expr,
                "legendFormat": query.legend,
                "range": !query.instant,
                "instant": query.instant,
                "refId": ref_id.to_string(),
            });
            if query.instant {
                target["format"] = json!("table");
            }
            if query.exemplar {
                target["exemplar"] = json!(true);
            }
            target
        })
        .collect();
    Value::Array(targets)
}

/// Where a panel goes on the 24-column grid.
#[derive(Clone, Copy)]
pub struct At {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

pub fn at(x: u32, y: u32, w: u32, h: u32) -> At {
    At { x, y, w, h }
}

fn grid(at: At) -> Value {
    json!({ "h": at.h, "w": at.w, "x": at.x, "y": at.y })
}

/// A red dashed line at an alert's threshold, when there is one.
fn thresholds(threshold: Option<f64>) -> Value {
    let mut steps = vec![json!({ "color": "green", "value": null })];
    if let Some(threshold) = threshold {
        steps.push(json!({ "color": "red", "value": threshold }));
    }
    json!({ "mode": "absolute", "steps": steps })
}

/// A panel of `kind`: the fields every panel starts with, then `fields` (an object) in order.
fn panel(kind: &str, title: &str, description: &str, at: At, fields: Value) -> Value {
    let mut panel = json!({
        "type": kind,
        "title": title,
        "description": description,
        "datasource": datasource(),
        "gridPos": grid(at),
    });
    if let (Value::Object(panel), Value::Object(fields)) = (&mut panel, fields) {
        panel.extend(fields);
    }
    panel
}

pub fn timeseries(
    title: &str,
    description: &str,
    unit: &str,
    threshold: Option<f64>,
    at: At,
    queries: Vec<Query>,
) -> Value {
    let exemplars = queries.iter().any(|query| query.exemplar);
    let mut fields = json!({
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "min": 0,
                "custom": {
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": 10,
                    "showPoints": "never",
                    "spanNulls": false,
                    "thresholdsStyle": { "mode": if threshold.is_some() { "dashed" } else { "off" } }
                },
                "thresholds": thresholds(threshold)
            },
            "overrides": []
        },
        "options": {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "showLegend": true,
                "calcs": ["mean", "max", "lastNotNull"]
            },
            "tooltip": { "mode": "multi", "sort": "desc" }
        },
        "targets": targets(queries)
    });
    if exemplars {
        fields["fieldConfig"]["defaults"]["links"] = json!([trace_link()]);
    }
    panel("timeseries", title, description, at, fields)
}

/// A table of an instant query, its value column named `value_name`.
pub fn table(
    title: &str,
    description: &str,
    unit: &str,
    threshold: Option<f64>,
    value_name: &str,
    at: At,
    query: Query,
) -> Value {
    let fields = json!({
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "custom": { "cellOptions": { "type": "color-text" } },
                "thresholds": thresholds(threshold)
            },
            "overrides": []
        },
        "options": {
            "showHeader": true,
            "sortBy": [{ "displayName": value_name, "desc": true }]
        },
        "transformations": [{
            "id": "organize",
            "options": {
                "excludeByName": { "Time": true },
                "renameByName": { "Value": value_name }
            }
        }],
        "targets": targets(vec![query])
    });
    panel("table", title, description, at, fields)
}

pub fn stat(title: &str, description: &str, at: At, queries: Vec<Query>) -> Value {
    let fields = json!({
        "fieldConfig": {
            "defaults": { "unit": "none", "thresholds": thresholds(None) },
            "overrides": []
        },
        "options": {
            "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
            "colorMode": "value",
            "graphMode": "none",
            "textMode": "value_and_name"
        },
        "targets": targets(queries)
    });
    panel("stat", title, description, at, fields)
}

pub fn datasource_variable() -> Value {
    datasource_choice(
        "datasource",
        "Prometheus",
        "The Prometheus to read: one per environment or cluster.",
        "prometheus",
    )
}

/// The trace data source (Tempo here; pick any tracing data source in the drop-down) that the
/// latency panels' exemplar links open.
pub fn traces_variable() -> Value {
    datasource_choice(
        "traces",
        "Traces",
        "The tracing data source the exemplars' trace ids open in (Tempo, Jaeger, Zipkin...).",
        "tempo",
    )
}

/// A variable choosing a data source of type `plugin`.
fn datasource_choice(name: &str, label: &str, description: &str, plugin: &str) -> Value {
    json!({
        "name": name,
        "label": label,
        "description": description,
        "type": "datasource",
        "query": plugin,
        "current": {},
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "options": [],
        "refresh": 1,
        "regex": ""
    })
}

/// A multi-value variable of the values of the label it is named after, "All" by default. Its
/// all-value is `.*`, so every expression filters with `name=~"$name"` (see [`filters`]).
pub struct LabelVariable {
    pub name: &'static str,
    /// What Grafana shows in front of the drop-down.
    pub title: &'static str,
    pub description: &'static str,
}

/// The scrape targets of the jobs selected before: both dashboards filter by job, then by
/// instance.
pub const INSTANCE_VARIABLE: LabelVariable = LabelVariable {
    name: "instance",
    title: "Instance",
    description: "Scrape targets of the selected jobs.",
};

/// The matchers that keep the series the `variables` select: `job=~"$job"`, ...
pub fn filters(variables: &[LabelVariable]) -> Vec<String> {
    variables
        .iter()
        .map(|variable| format!(r#"{0}=~"${0}""#, variable.name))
        .collect()
}

/// The `variables` over the labels of `metric`, each listing only the values the ones before it
/// leave: `label_values(metric{job=~"$job"}, instance)`.
pub fn label_variables(metric: &str, variables: &[LabelVariable]) -> Vec<Value> {
    let filters = filters(variables);
    variables
        .iter()
        .enumerate()
        .map(|(index, variable)| {
            let definition = format!(
                "label_values({}, {})",
                selector(metric, &filters[..index]),
                variable.name
            );
            query_variable(
                variable.name,
                variable.title,
                variable.description,
                &definition,
            )
        })
        .collect()
}

/// A multi-value variable of the values `definition` (`label_values(...)`) finds, "All" (`.*`)
/// by default.
pub fn query_variable(name: &str, title: &str, description: &str, definition: &str) -> Value {
    json!({
        "name": name,
        "label": title,
        "description": description,
        "type": "query",
        "datasource": datasource(),
        "definition": definition,
        "query": definition,
        "current": { "selected": true, "text": ["All"], "value": ["$__all"] },
        "hide": 0,
        "includeAll": true,
        "allValue": ".*",
        "multi": true,
        "options": [],
        "refresh": 2,
        "regex": "",
        "sort": 1
    })
}

pub fn dashboard(
    options: &Options,
    uid: &str,
    title: &str,
    description: &str,
    variables: Vec<Value>,
    panels: Vec<Value>,
) -> Value {
    let (uid, title) = match options.scope() {
        // A uid has at most 40 characters.
        Some(scope) => (
            format!("{uid}-{scope}").chars().take(40).collect(),
            format!("{title} ({scope})"),
        ),
        None => (uid.to_owned(), title.to_owned()),
    };
    let panels: Vec<Value> = panels
        .into_iter()
        .enumerate()
        .map(|(index, mut panel)| {
            panel["id"] = json!(index + 1);
            panel
        })
        .collect();
    json!({
        "uid": uid,
        "title": title,
        "description": format!("{description} Generated by `{}`.", options.command_line()),
        "tags": ["instrument-metrics"],
        "editable": true,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": { "from": "now-1h", "to": "now" },
        "timepicker": {},
        "timezone": "",
        "annotations": {
            "list": [{
                "builtIn": 1,
                "datasource": { "type": "grafana", "uid": "-- Grafana --" },
                "enable": true,
                "hide": true,
                "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts",
                "type": "dashboard"
            }]
        },
        "links": [{
            "title": "instrument-metrics",
            "type": "dashboards",
            "tags": ["instrument-metrics"],
            "asDropdown": false,
            "includeVars": true,
            "keepTime": true
        }],
        "templating": { "list": variables },
        "panels": panels
    })
}

/// The dashboard as its file holds it.
pub fn json_text(value: &Value) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|error| format!("cannot serialize a dashboard: {error}"))
}

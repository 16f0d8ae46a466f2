//! The generated dashboards (`dashboards/*.json`): running the generator, reading its output,
//! the panels' queries and the template variables they use.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use super::examples;

/// The checked-in output of the generator.
pub fn dashboards_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("dashboards")
}

/// Runs the generator with `args` (plus `--out out`), and fails the test when it fails.
pub fn generate(out: &Path, args: &[&str]) {
    let output = run_generator(&[args, &["--out", &out.display().to_string()]].concat());
    assert!(
        output.status.success(),
        "dashboards {args:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs the generator with exactly `args`.
pub fn run_generator(args: &[&str]) -> Output {
    Command::new(examples::binary("dashboards"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run the dashboards generator: {error}"))
}

/// Every file under `dir`, as paths relative to it, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
                .path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if let Ok(relative) = path.strip_prefix(root) {
                files.push(relative.to_path_buf());
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// One query of one panel.
#[derive(Clone, Debug)]
pub struct PanelQuery {
    pub panel: String,
    pub ref_id: String,
    pub expr: String,
    pub legend: String,
    /// Tables and stats run instant queries; graphs run range queries.
    pub instant: bool,
}

/// Every panel query of a dashboard, rows' nested panels included.
pub fn panel_queries(dashboard: &Value) -> Vec<PanelQuery> {
    fn collect(panels: &Value, into: &mut Vec<PanelQuery>) {
        for panel in panels.as_array().into_iter().flatten() {
            collect(&panel["panels"], into);
            for target in panel["targets"].as_array().into_iter().flatten() {
                into.push(PanelQuery {
                    panel: panel["title"].as_str().unwrap_or_default().to_owned(),
                    ref_id: target["refId"].as_str().unwrap_or_default().to_owned(),
                    expr: target["expr"].as_str().unwrap_or_default().to_owned(),
                    legend: target["legendFormat"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    instant: target["instant"] == true,
                });
            }
        }
    }
    let mut queries = Vec::new();
    collect(&dashboard["panels"], &mut queries);
    queries
}

/// The template variables of a dashboard.
pub fn variables(dashboard: &Value) -> Vec<Value> {
    dashboard["templating"]["list"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// `label_values(selector, label)` of a query variable, as (selector, label).
pub fn label_values_query(variable: &Value) -> Option<(String, String)> {
    let definition = variable["definition"].as_str()?;
    let inner = definition
        .strip_prefix("label_values(")?
        .strip_suffix(')')?;
    let (selector, label) = inner.rsplit_once(',')?;
    Some((selector.trim().to_owned(), label.trim().to_owned()))
}

/// The value every variable takes when the dashboard shows everything: "All" (`.*`) for the
/// multi-value label variables, the default family, and what Grafana substitutes for its
/// interval variables on a recent time range.
pub fn all_value(variable: &str) -> Option<&'static str> {
    match variable {
        "job" | "instance" | "module" | "function" | "handler" | "method" | "objective" => {
            Some(".*")
        }
        "family" => Some("function_calls"),
        "__rate_interval" => Some("1m"),
        "__range" => Some("5m"),
        _ => None,
    }
}

/// Replaces `$name` and `${name}` with `value(name)`; an unknown variable is an error.
pub fn substitute<'a>(
    expr: &str,
    value: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {expr:?}"))?;
            (&braced[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        let replacement =
            value(name).ok_or_else(|| format!("unknown variable ${name} in {expr:?}"))?;
        out.push_str(replacement);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

//! Shared by `dashboards.rs` and `e2e_fleet.rs`: the example binaries built by cargo, the
//! queries of the generated dashboards and rule files, template variables, and the metric names
//! a PromQL expression reads.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The checked-in output of the generator.
pub fn dashboards_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("dashboards")
}

/// The path of an example binary (`dashboards`, `pipeline`, `http_service`).
///
/// `env!("CARGO_BIN_EXE_<name>")` exists only in the package that defines the binary, and a
/// path guessed under the target directory breaks with `CARGO_TARGET_DIR` or a custom profile.
/// So, as `e2e_pipeline.rs` does, the cargo running the test builds the binaries with the same
/// environment and the paths are read from its JSON messages. It builds `--workspace --bins
/// --tests`, the feature set of `cargo test --workspace --all-targets`, so under scripts/test
/// everything is fresh and the build takes about a second.
pub fn example_binary(name: &str) -> &'static Path {
    static BINARIES: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    let binaries = BINARIES.get_or_init(build_binaries);
    binaries.get(name).map(PathBuf::as_path).unwrap_or_else(|| {
        panic!(
            "cargo built no binary called {name}; it built {:?}",
            binaries.keys()
        )
    })
}

fn build_binaries() -> BTreeMap<String, PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new(".."));
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ])
        .args(["--workspace", "--bins", "--tests"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if built_in_release() {
        command.arg("--release");
    }
    let started = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo to build the examples: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "building the workspace failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let binaries: BTreeMap<String, PathBuf> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["kind"] == serde_json::json!(["bin"])
                && message["profile"]["test"] == false
        })
        .filter_map(|message| {
            let name = message["target"]["name"].as_str()?.to_owned();
            let executable = message["executable"].as_str()?;
            Some((name, PathBuf::from(executable)))
        })
        .collect();
    eprintln!(
        "binaries: {:?} (cargo build took {:?})",
        binaries.keys(),
        started.elapsed()
    );
    binaries
}

fn built_in_release() -> bool {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|profile| profile == "release")
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
    Command::new(example_binary("dashboards"))
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

// ---------------------------------------------------------------------------------------------
// Dashboards

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
        "job" | "instance" | "module" | "function" | "handler" | "method" => Some(".*"),
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

// ---------------------------------------------------------------------------------------------
// Rule files (the generator's YAML: plain, single-quoted and `|-` block scalars)

/// The scalar values of every `key:` in a YAML document, list items (`- key:`) included.
pub fn yaml_values(yaml: &str, key: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut values = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let content = line.trim_start();
        let indent = line.len() - content.len();
        let content = content.strip_prefix("- ").unwrap_or(content);
        let Some(value) = content
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
        else {
            continue;
        };
        let value = value.trim();
        if value == "|-" || value == "|" {
            let block: Vec<&str> = lines[index + 1..]
                .iter()
                .take_while(|next| {
                    let next_indent = next.len() - next.trim_start().len();
                    next.trim().is_empty() || next_indent > indent
                })
                .copied()
                .collect();
            let dedent = block
                .iter()
                .filter(|line| !line.trim().is_empty())
                .map(|line| line.len() - line.trim_start().len())
                .min()
                .unwrap_or(0);
            let text: Vec<&str> = block
                .iter()
                .map(|line| line.get(dedent..).unwrap_or_default())
                .collect();
            values.push(text.join("\n").trim_end().to_owned());
        } else if let Some(quoted) = value.strip_prefix('\'') {
            values.push(
                quoted
                    .strip_suffix('\'')
                    .unwrap_or(quoted)
                    .replace("''", "'"),
            );
        } else if value.starts_with('"') {
            values.push(serde_json::from_str(value).unwrap_or_else(|_| value.to_owned()));
        } else {
            values.push(value.to_owned());
        }
    }
    values
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    Record,
    Alert,
}

/// One rule of a rule file.
#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: RuleKind,
    /// The recorded series or the alert.
    pub name: String,
    pub expr: String,
}

/// The rules of a rule file, in order.
pub fn rules(yaml: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    // Rules are split at their `- record:` / `- alert:` line; each has one `expr`.
    let mut current: Option<(RuleKind, String, String)> = None;
    let mut flush = |current: &mut Option<(RuleKind, String, String)>| {
        if let Some((kind, name, body)) = current.take() {
            let expr = yaml_values(&body, "expr")
                .into_iter()
                .next()
                .unwrap_or_default();
            rules.push(Rule { kind, name, expr });
        }
    };
    for line in yaml.lines() {
        let trimmed = line.trim_start();
        let started = [
            ("- record:", RuleKind::Record),
            ("- alert:", RuleKind::Alert),
        ]
        .into_iter()
        .find_map(|(marker, kind)| {
            trimmed
                .strip_prefix(marker)
                .map(|name| (kind, name.trim().to_owned()))
        });
        if let Some((kind, name)) = started {
            flush(&mut current);
            current = Some((kind, name, String::new()));
        } else if trimmed.starts_with("- name:") {
            flush(&mut current);
        } else if let Some((_, _, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(&mut current);
    rules
}

// ---------------------------------------------------------------------------------------------
// PromQL

const GROUPING: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "atan2",
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "inf",
    "nan",
];

/// The metric names an expression selects (`foo` in `rate(foo{a="b"}[5m])`), in order.
/// Template variables must be substituted first.
pub fn metric_names(expr: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = skip_string(&chars, i).ok_or_else(|| format!("unclosed string in {expr:?}"))?;
        } else if c == '{' || c == '[' {
            let close = if c == '{' { '}' } else { ']' };
            i = skip_group(&chars, i, c, close)
                .ok_or_else(|| format!("unclosed {c} in {expr:?}"))?;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // A number or a duration: 0.99, 1e-9, 5m, 0x1f.
            let start = i;
            while i < chars.len() {
                let d = chars[i];
                let exponent_sign = (d == '+' || d == '-')
                    && i > start
                    && matches!(chars[i - 1], 'e' | 'E')
                    && !chars[start..i].contains(&'x');
                if d.is_ascii_alphanumeric() || d == '.' || exponent_sign {
                    i += 1;
                } else {
                    break;
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut next = i;
            while next < chars.len() && chars[next].is_whitespace() {
                next += 1;
            }
            let opens = chars.get(next) == Some(&'(');
            if GROUPING.contains(&word.as_str()) {
                if opens {
                    i = skip_group(&chars, next, '(', ')')
                        .ok_or_else(|| format!("unclosed label list in {expr:?}"))?;
                }
            } else if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) || opens {
                // An operator, an aggregation or a function call.
            } else {
                names.push(word);
            }
        } else {
            i += 1;
        }
    }
    Ok(names)
}

/// The index after the string starting at `start`.
fn skip_string(chars: &[char], start: usize) -> Option<usize> {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote != '`' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index after the `open ... close` group starting at `start`, strings inside skipped.
fn skip_group(chars: &[char], start: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = skip_string(chars, i)?;
            continue;
        }
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// Whether `name` carries `prefix`: `acme_foo`, or a recorded `level:acme_foo:operations`.
pub fn has_prefix(name: &str, prefix: &str) -> bool {
    match name.split(':').collect::<Vec<_>>().as_slice() {
        [metric] => metric.starts_with(prefix),
        [_level, metric, _operations] => metric.starts_with(prefix),
        _ => false,
    }
}

/// `name` with `prefix` added where the exporter (or a recording rule) would put it.
pub fn with_prefix(name: &str, prefix: &str) -> String {
    match name.split(':').collect::<Vec<_>>().as_slice() {
        [level, metric, operations] => format!("{level}:{prefix}{metric}:{operations}"),
        _ => format!("{prefix}{name}"),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/// `POST target` with `body`; returns the status. One request per connection.
pub fn post(addr: SocketAddr, target: &str, body: &[u8]) -> Result<u16, String> {
    let timeout = Duration::from_secs(10);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|error| format!("connect {addr}: {error}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|error| error.to_string())?;
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|error| format!("send to {addr}: {error}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|error| format!("read from {addr}: {error}"))?;
    let text = String::from_utf8_lossy(&raw);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("POST http://{addr}{target}: bad response {text:?}"))
}

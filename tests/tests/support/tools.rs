//! Independent checkers of our exposition text: `promtool check metrics` (Go, Prometheus's own
//! parser and linter) and the text parser of the Python `prometheus-client` package. A missing
//! tool fails the test with how to get it; it never passes by skipping.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, ExitStatus, Stdio};

use serde_json::Value;

use super::process::require_on_path;

/// What `promtool check metrics` reports about `text`: `Ok` only when it exits 0 and prints
/// nothing at all (no lint findings either).
pub fn promtool_check(text: &str) -> Result<(), String> {
    let promtool = require_on_path("promtool", "prometheus");
    let output = run_with_stdin(Command::new(&promtool).args(["check", "metrics"]), text)?;
    let findings = format!("{}{}", output.stdout, output.stderr);
    if output.status.success() && findings.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "promtool check metrics exited with {} and reported:\n{findings}",
            output.status
        ))
    }
}

/// One sample as `prometheus_client.parser.text_string_to_metric_families` reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct PySample {
    /// The family's name as the parser reports it (counters lose their `_total`).
    pub family: String,
    /// The family's type: `counter`, `gauge`, `histogram`, ...
    pub kind: String,
    /// The sample's own name (`..._bucket`, `..._total`, ...).
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    /// The sample's exemplar (OpenMetrics only): its labels, value and timestamp.
    pub exemplar: Option<(BTreeMap<String, String>, f64, Option<f64>)>,
}

/// Reads `text` with the Python `prometheus-client` text parser. Fails when `python3` or the
/// package is missing (`scripts/test` installs it), or when the parser rejects the text.
pub fn python_parse(text: &str) -> Result<Vec<PySample>, String> {
    python_parse_with("prometheus_client.parser", text)
}

/// Reads `text` with the Python `prometheus-client` OpenMetrics parser
/// (`prometheus_client.openmetrics.parser`), which also checks `# EOF`, the suffixes of each
/// family's type and where exemplars may go.
pub fn python_parse_openmetrics(text: &str) -> Result<Vec<PySample>, String> {
    python_parse_with("prometheus_client.openmetrics.parser", text)
}

fn python_parse_with(module: &str, text: &str) -> Result<Vec<PySample>, String> {
    const SCRIPT: &str = r#"
import importlib, json, sys
try:
    text_string_to_metric_families = importlib.import_module(sys.argv[1]).text_string_to_metric_families
except ImportError as error:
    sys.stderr.write("the Python package prometheus-client is missing (%s): run scripts/test, "
                     "which installs it, or `python3 -m pip install prometheus-client`\n" % error)
    sys.exit(3)
text = sys.stdin.buffer.read().decode("utf-8")
samples = []
for family in text_string_to_metric_families(text):
    for sample in family.samples:
        exemplar = sample.exemplar
        if exemplar is not None:
            exemplar = {"labels": exemplar.labels, "value": repr(float(exemplar.value)),
                        "timestamp": None if exemplar.timestamp is None else repr(float(exemplar.timestamp))}
        samples.append({"family": family.name, "kind": family.type, "name": sample.name,
                        "labels": sample.labels, "value": repr(float(sample.value)),
                        "exemplar": exemplar})
json.dump(samples, sys.stdout)
"#;
    let python = require_on_path("python3", "python3");
    let output = run_with_stdin(Command::new(&python).args(["-c", SCRIPT, module]), text)?;
    if !output.status.success() {
        return Err(format!(
            "the prometheus-client parser failed:\n{}",
            output.stderr
        ));
    }
    let parsed: Value = serde_json::from_str(&output.stdout)
        .map_err(|error| format!("python printed no JSON ({error}):\n{}", output.stdout))?;
    parsed
        .as_array()
        .ok_or("python printed no list")?
        .iter()
        .map(|sample| {
            let text = |key: &str| sample[key].as_str().unwrap_or_default().to_owned();
            let labels = |labels: &Value| {
                labels
                    .as_object()
                    .map(|labels| {
                        labels
                            .iter()
                            .map(|(name, value)| {
                                (name.clone(), value.as_str().unwrap_or_default().to_owned())
                            })
                            .collect::<BTreeMap<String, String>>()
                    })
                    .ok_or_else(|| format!("no labels in {sample}"))
            };
            let number = |value: &Value| value.as_str().and_then(|value| value.parse::<f64>().ok());
            let value = number(&sample["value"]).ok_or_else(|| format!("bad value in {sample}"))?;
            let exemplar = &sample["exemplar"];
            let exemplar = if exemplar.is_null() {
                None
            } else {
                let value = number(&exemplar["value"])
                    .ok_or_else(|| format!("bad exemplar in {sample}"))?;
                Some((
                    labels(&exemplar["labels"])?,
                    value,
                    number(&exemplar["timestamp"]),
                ))
            };
            Ok(PySample {
                family: text("family"),
                kind: text("kind"),
                name: text("name"),
                labels: labels(&sample["labels"])?,
                value,
                exemplar,
            })
        })
        .collect()
}

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn run_with_stdin(command: &mut Command, input: &str) -> Result<Output, String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {command:?}: {error}"))?;
    // Written from a thread: a child that answers while it reads could otherwise fill its pipe
    // and wait for us while we wait for it.
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|error| format!("{command:?} did not finish: {error}"))?;
    writer
        .join()
        .map_err(|_| "the stdin writer panicked".to_owned())?
        .map_err(|error| format!("cannot write to {command:?}: {error}"))?;
    Ok(Output {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

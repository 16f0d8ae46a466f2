//! The OpenMetrics 1.0 text format: the exposition as Prometheus asks for it first, written by
//! translating the text format 0.0.4 that [`super::text`] and the `metrics` exporter write, so
//! that both formats carry the same families, series and values whoever rendered them.
//!
//! What differs from 0.0.4: a counter family is named without `_total` (its samples keep it),
//! and a "counter" whose samples lack `_total` cannot be an OpenMetrics counter, so it becomes
//! `unknown` under its own name (as does `untyped`); `# UNIT` where the name ends in a base
//! unit; `# HELP` also escapes `"`; no blank lines; timestamps in seconds; `# EOF` at the end;
//! and exemplars on histogram buckets and counters. Label sets, `le` values and sample values are copied as
//! they are, so the series Prometheus stores are the same in both formats.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::text;

/// The content type of the format.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The units OpenMetrics names with `# UNIT` when a family's name ends in `_<unit>`.
const UNITS: [&str; 2] = ["seconds", "bytes"];

/// A sample that may carry an exemplar, as the exemplar lookup sees it: a histogram bucket or
/// a counter's `_total`.
pub(crate) struct Traceable<'a> {
    /// The sample's name (`..._bucket`, `..._total`).
    pub(crate) name: &'a str,
    /// Its labels but `le`, unescaped, in the order rendered.
    pub(crate) labels: Vec<(&'a str, String)>,
    /// The `le` label's value, for a bucket.
    pub(crate) le: Option<String>,
}

/// What follows a bucket's or counter's sample value, if anything
/// (`# {trace_id="…"} 0.25 1700000000.123`).
pub(crate) type ExemplarOf<'f> = &'f dyn Fn(&Traceable<'_>) -> Option<String>;

/// Translates text format 0.0.4 into OpenMetrics 1.0; `exemplar` (when exemplars are on) is asked
/// for each histogram bucket and counter sample.
pub(crate) fn translate(text: &str, exemplar: Option<ExemplarOf<'_>>) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut helps: HashMap<&str, &str> = HashMap::new();
    let mut family: Option<Family<'_>> = None;
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            helps.insert(name, help);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            family = Some(Family::declare(&mut out, name, kind.trim(), &helps));
        } else if line.starts_with('#') {
            // Other comments carry nothing OpenMetrics has a place for.
        } else if let Some(sample) = Sample::parse(line) {
            let current = match family.take() {
                Some(current) if current.owns(sample.name) => current,
                // A sample without its `# TYPE`: a family of its own, of unknown type.
                _ => Family::declare(&mut out, sample.name, "untyped", &helps),
            };
            current.write(&mut out, &sample, exemplar);
            family = Some(current);
        }
    }
    out.push_str("# EOF\n");
    out
}

/// The family being written.
struct Family<'a> {
    /// Its name in OpenMetrics: a counter's without `_total`.
    name: &'a str,
    kind: &'static str,
}

impl<'a> Family<'a> {
    /// Writes the family's metadata and returns it; `name` and `kind` are as 0.0.4 has them.
    fn declare(
        out: &mut String,
        name: &'a str,
        kind: &str,
        helps: &HashMap<&str, &str>,
    ) -> Family<'a> {
        let (family_name, kind) = match (kind, name.strip_suffix("_total")) {
            ("counter", Some(base)) => (base, "counter"),
            ("gauge", _) => (name, "gauge"),
            ("histogram", _) => (name, "histogram"),
            ("summary", _) => (name, "summary"),
            _ => (name, "unknown"),
        };
        let family = Family {
            name: family_name,
            kind,
        };
        let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
        if let Some(unit) = UNITS.iter().find(|unit| {
            family
                .name
                .strip_suffix(**unit)
                .is_some_and(|rest| rest.ends_with('_'))
        }) {
            let _ = writeln!(out, "# UNIT {} {unit}", family.name);
        }
        if let Some(help) = helps.get(name) {
            let help = text::escape(&unescape_help(help));
            let _ = writeln!(out, "# HELP {} {help}", family.name);
        }
        family
    }

    /// Whether a sample of this name belongs to the family.
    fn owns(&self, sample: &str) -> bool {
        let suffixes: &[&str] = match self.kind {
            "counter" => &["_total"],
            "histogram" => &["_bucket", "_sum", "_count"],
            "summary" => &["", "_sum", "_count"],
            _ => &[""],
        };
        sample
            .strip_prefix(self.name)
            .is_some_and(|suffix| suffixes.contains(&suffix))
    }

    fn write(&self, out: &mut String, sample: &Sample<'_>, exemplar: Option<ExemplarOf<'_>>) {
        out.push_str(sample.name);
        out.push_str(sample.labels);
        out.push(' ');
        out.push_str(sample.value);
        if let Some(millis) = sample.timestamp {
            let _ = write!(out, " {}", millis as f64 / 1000.0);
        }
        let bucket = self.kind == "histogram" && sample.name.ends_with("_bucket");
        if let Some(exemplar) = exemplar
            && (bucket || self.kind == "counter")
            && let Some(traceable) = sample.traceable(bucket)
            && let Some(exemplar) = exemplar(&traceable)
        {
            out.push(' ');
            out.push_str(&exemplar);
        }
        out.push('\n');
    }
}

/// One 0.0.4 sample line, taken apart without copying.
struct Sample<'a> {
    name: &'a str,
    /// `{...}` as written, or empty.
    labels: &'a str,
    value: &'a str,
    /// Milliseconds, as 0.0.4 writes them.
    timestamp: Option<i64>,
}

impl<'a> Sample<'a> {
    fn parse(line: &'a str) -> Option<Sample<'a>> {
        let name_end = line.find(['{', ' '])?;
        let (name, rest) = line.split_at(name_end);
        let (labels, rest) = if rest.starts_with('{') {
            let end = label_set_end(rest)?;
            rest.split_at(end + 1)
        } else {
            ("", rest)
        };
        let mut fields = rest.split_whitespace();
        let value = fields.next()?;
        let timestamp = fields.next().and_then(|millis| millis.parse().ok());
        Some(Sample {
            name,
            labels,
            value,
            timestamp,
        })
    }

    /// The sample as one that may carry an exemplar; a bucket's `le` is taken out of its labels.
    fn traceable(&self, bucket: bool) -> Option<Traceable<'a>> {
        let mut labels = parse_labels(self.labels)?;
        let le = if bucket {
            let le = labels.iter().position(|(name, _)| *name == "le")?;
            Some(labels.remove(le).1)
        } else {
            None
        };
        Some(Traceable {
            name: self.name,
            labels,
            le,
        })
    }
}

/// The index of the `}` that closes the label set `{...}` starting `text`.
fn label_set_end(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (index, character) in text.char_indices() {
        match character {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(index),
            _ => {}
        }
    }
    None
}

/// `{name="value",...}` as pairs, values unescaped.
fn parse_labels(set: &str) -> Option<Vec<(&str, String)>> {
    let mut rest = set.strip_prefix('{')?;
    let mut labels = Vec::new();
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.starts_with('}') || rest.is_empty() {
            return Some(labels);
        }
        let (name, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut characters = after.char_indices();
        let end = loop {
            match characters.next()? {
                (index, '"') => break index,
                (_, '\\') => match characters.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, other) => value.push(other),
            }
        };
        labels.push((name.trim(), value));
        rest = &after[end + 1..];
    }
}

/// HELP text of 0.0.4, which escapes only backslash and line feed.
fn unescape_help(help: &str) -> String {
    let mut out = String::with_capacity(help.len());
    let mut characters = help.chars();
    while let Some(character) = characters.next() {
        match (character, characters.clone().next()) {
            ('\\', Some('\\')) => {
                out.push('\\');
                characters.next();
            }
            ('\\', Some('n')) => {
                out.push('\n');
                characters.next();
            }
            (other, _) => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn without_exemplars(text: &str) -> String {
        translate(text, None)
    }

    #[test]
    fn counters_lose_total_in_the_family_only() {
        let text = "# HELP jobs_total Jobs \"done\", a\\\\b.\n# TYPE jobs_total counter\njobs_total{kind=\"a\"} 3\n\n# TYPE raw counter\nraw 2\n";
        assert_eq!(
            without_exemplars(text),
            "# TYPE jobs counter\n# HELP jobs Jobs \\\"done\\\", a\\\\b.\njobs_total{kind=\"a\"} 3\n# TYPE raw unknown\nraw 2\n# EOF\n"
        );
    }

    #[test]
    fn units_types_and_untyped_samples() {
        let text = "# HELP d_seconds D.\n# TYPE d_seconds histogram\nd_seconds_bucket{le=\"0.5\"} 1\nd_seconds_bucket{le=\"+Inf\"} 2\nd_seconds_sum 0.7\nd_seconds_count 2\n# TYPE s_bytes summary\ns_bytes{quantile=\"0.5\"} 3\ns_bytes_sum 6\ns_bytes_count 2\n# TYPE u untyped\nu 1\nloose{a=\"}\"} 4 1500\n";
        assert_eq!(
            without_exemplars(text),
            "# TYPE d_seconds histogram\n# UNIT d_seconds seconds\n# HELP d_seconds D.\nd_seconds_bucket{le=\"0.5\"} 1\nd_seconds_bucket{le=\"+Inf\"} 2\nd_seconds_sum 0.7\nd_seconds_count 2\n# TYPE s_bytes summary\n# UNIT s_bytes bytes\ns_bytes{quantile=\"0.5\"} 3\ns_bytes_sum 6\ns_bytes_count 2\n# TYPE u unknown\nu 1\n# TYPE loose unknown\nloose{a=\"}\"} 4 1.5\n# EOF\n"
        );
    }

    #[test]
    fn exemplars_go_on_buckets_with_their_labels() {
        let text = "# TYPE d histogram\nd_bucket{a=\"x\\\"y\",le=\"1\"} 1\nd_bucket{a=\"x\\\"y\",le=\"+Inf\"} 1\nd_sum 0.5\nd_count 1\n";
        let exemplar = |bucket: &Traceable<'_>| {
            assert_eq!(bucket.name, "d_bucket");
            assert_eq!(bucket.labels, [("a", "x\"y".to_owned())]);
            (bucket.le.as_deref() == Some("1")).then(|| "# {trace_id=\"ab\"} 0.5 12.5".to_owned())
        };
        assert_eq!(
            translate(text, Some(&exemplar)),
            "# TYPE d histogram\nd_bucket{a=\"x\\\"y\",le=\"1\"} 1 # {trace_id=\"ab\"} 0.5 12.5\nd_bucket{a=\"x\\\"y\",le=\"+Inf\"} 1\nd_sum 0.5\nd_count 1\n# EOF\n"
        );
    }

    #[test]
    fn help_unescaping() {
        assert_eq!(unescape_help("a\\\\b\\nc\\x"), "a\\b\nc\\x");
    }
}

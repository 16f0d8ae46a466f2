//! The Prometheus text exposition format, version 0.0.4: the only place that writes its lines.
//! Our families, the process metrics and `build_info` all go through here; what the `metrics`
//! exporter renders (user metrics, the HTTP layer) is appended as it renders it.

use std::fmt::{Display, Write as _};

/// The content type of the format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `# TYPE` of a family.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
    /// The HTTP layer's body sizes (`_sum` and `_count` only).
    #[cfg(feature = "http")]
    Summary,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
            #[cfg(feature = "http")]
            Kind::Summary => "summary",
        }
    }
}

/// Writes a family's `# HELP` and `# TYPE` lines.
pub(crate) fn header(out: &mut String, name: &str, help: &str, kind: Kind) {
    let kind = kind.as_str();
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Writes one sample line, `name{labels} value`. `labels` are parts of a label set, each already
/// `name="value"` pairs joined by commas (see [`labels`]); empty parts are left out, and a sample
/// without labels has no braces.
pub(crate) fn sample(out: &mut String, name: &str, labels: &[&str], value: impl Display) {
    out.push_str(name);
    let mut parts = labels.iter().filter(|part| !part.is_empty());
    if let Some(first) = parts.next() {
        out.push('{');
        out.push_str(first);
        for part in parts {
            out.push(',');
            out.push_str(part);
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label set as `name="value"` pairs joined by commas, each value escaped.
pub(crate) fn labels<'n, 'v>(pairs: impl IntoIterator<Item = (&'n str, &'v str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"{}\"", escape(value));
    }
    out
}

/// Escapes a label value: backslash, double quote and line feed.
pub(crate) fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("a\"q\\b\\\"c\nd ü"), "a\\\"q\\\\b\\\\\\\"c\\nd ü");
    }

    #[test]
    fn samples_join_label_parts() {
        let mut out = String::new();
        let custom = labels([("service", "a\"b")]);
        sample(&mut out, "x_total", &[&custom, "", "result=\"ok\""], 3);
        sample(&mut out, "up", &["", ""], 1.5);
        header(&mut out, "up", "Up.", Kind::Gauge);
        assert_eq!(
            out,
            "x_total{service=\"a\\\"b\",result=\"ok\"} 3\nup 1.5\n# HELP up Up.\n# TYPE up gauge\n"
        );
    }
}

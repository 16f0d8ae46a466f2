//! Which exposition format a scrape asks for: OpenMetrics 1.0 when its `Accept` header prefers
//! it (as Prometheus does:
//! `application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`),
//! the text format 0.0.4 for everyone else.

const OPENMETRICS: &str = "application/openmetrics-text";

/// Whether `accept` ranks OpenMetrics 1.0 (its `version` 1.0.0, or none given) above zero and
/// no lower than anything else it accepts.
pub(crate) fn wants_openmetrics(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let mut openmetrics = 0.0_f32;
    let mut other = 0.0_f32;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        let mut quality = 1.0_f32;
        let mut version = None;
        for parameter in parts {
            let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "q" => quality = value.parse().unwrap_or(0.0),
                "version" => version = Some(value),
                _ => {}
            }
        }
        if media.eq_ignore_ascii_case(OPENMETRICS) {
            if version.is_none_or(|version| version == "1.0.0") {
                openmetrics = openmetrics.max(quality);
            }
        } else if !media.is_empty() {
            other = other.max(quality);
        }
    }
    openmetrics > 0.0 && openmetrics >= other
}

#[cfg(test)]
mod tests {
    use super::wants_openmetrics;

    #[test]
    fn prometheus_gets_openmetrics() {
        for accept in [
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            "application/openmetrics-text; version=1.0.0",
            "application/openmetrics-text",
            "text/plain;q=0.5, Application/OpenMetrics-Text;version=\"1.0.0\";q=0.9",
        ] {
            assert!(wants_openmetrics(Some(accept)), "{accept}");
        }
    }

    #[test]
    fn everyone_else_gets_the_text_format() {
        for accept in [
            None,
            Some("*/*"),
            Some("text/plain;version=0.0.4"),
            Some("application/openmetrics-text;version=0.0.1"),
            Some("application/openmetrics-text;version=1.0.0;q=0"),
            Some("application/openmetrics-text;q=0.4,text/plain;q=0.5"),
            Some("application/openmetrics-text;q=nonsense"),
        ] {
            assert!(!wants_openmetrics(accept), "{accept:?}");
        }
    }
}

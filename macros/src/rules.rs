//! What the arguments must say: Prometheus naming rules, label rules and bucket rules, each
//! reported on the offending token with what to write instead.

use instrument_metrics_names::{
    CALLS_SUFFIX, DURATION_SUFFIX, IN_FLIGHT_SUFFIX, NameProblem, RESERVED_LABELS,
    SCRAPE_TARGET_LABELS, family_name_problem, label_name_problem,
};
use syn::ext::IdentExt;

use crate::attr::{Args, Bound, LabelSource, LastSuccess};
use crate::errors::Errors;

pub(crate) fn validate(args: &Args, errors: &mut Errors) {
    if let Some(name) = &args.name
        && let Some(problem) = family_name_problem(&name.value())
    {
        errors.push(syn::Error::new(
            name.span(),
            family_name_message(&name.value(), problem),
        ));
    }
    for (index, label) in args.labels.iter().enumerate() {
        let name = label.name.unraw().to_string();
        if let Some(problem) = label_name_problem(&name) {
            errors.push(syn::Error::new(
                label.name.span(),
                label_name_message(&name, problem),
            ));
        } else if args.labels[..index]
            .iter()
            .any(|earlier| earlier.name.unraw() == label.name.unraw())
        {
            errors.push(syn::Error::new(
                label.name.span(),
                format!("label `{name}` is given twice; keep one"),
            ));
        }
        if let LabelSource::Literal(value) = &label.value
            && value.value().is_empty()
        {
            errors.push(syn::Error::new(
                value.span(),
                "an empty label value is the same as no label in Prometheus; give a value or remove the label",
            ));
        }
    }
    if let Some(buckets) = &args.buckets {
        if buckets.bounds.is_empty() {
            errors.push(syn::Error::new(
                buckets.span,
                "`buckets` needs at least one bound, in seconds",
            ));
        }
        for (
            index,
            Bound {
                seconds: bound,
                written,
            },
        ) in buckets.bounds.iter().enumerate()
        {
            if !bound.is_finite() || *bound <= 0.0 {
                errors.push(syn::Error::new_spanned(
                    written,
                    format!("a bucket bound is a positive finite number of seconds, not {bound}"),
                ));
            } else if let Some(previous) = index
                .checked_sub(1)
                .map(|previous| buckets.bounds[previous].seconds)
                && previous >= *bound
            {
                let problem = if previous == *bound {
                    "repeats"
                } else {
                    "is below"
                };
                errors.push(syn::Error::new_spanned(
                    written,
                    format!("bucket bounds must be strictly increasing: {bound} {problem} the bound before it ({previous})"),
                ));
            }
        }
    }
    if let Some(LastSuccess {
        interval: Some(interval),
        ..
    }) = &args.last_success
        && let Err(message) = interval_seconds(&interval.value())
    {
        errors.push(syn::Error::new(interval.span(), message));
    }
    if let Some(skip) = &args.skip {
        let others = args.name.is_some()
            || !args.labels.is_empty()
            || args.buckets.is_some()
            || args.in_flight.is_some()
            || args.objective.is_some()
            || args.last_success.is_some()
            || args.krate.is_some();
        if others {
            errors.push(syn::Error::new(
                skip.span(),
                "`skip` leaves the function uninstrumented; it takes no other arguments",
            ));
        }
    }
}

/// The seconds of an expected interval, `"15m"`: a whole number above zero and one unit, `s`,
/// `m`, `h` or `d`; what is wrong and what to write otherwise.
pub(crate) fn interval_seconds(written: &str) -> Result<u64, String> {
    const FORM: &str = "a whole number and a unit, s, m, h or d, such as \"15m\"";
    let digits = written.trim_end_matches(|c: char| !c.is_ascii_digit());
    let unit = &written[digits.len()..];
    let per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "" => return Err(format!("the interval needs a unit: {FORM}")),
        other => {
            return Err(format!("`{other}` is not a unit of the interval: {FORM}"));
        }
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("`{written}` is not an interval: {FORM}"));
    }
    match digits
        .parse::<u64>()
        .ok()
        .and_then(|count| count.checked_mul(per_unit))
    {
        Some(0) => Err(format!(
            "the interval must be above zero, not `{written}`: it is how often the function is \
             expected to succeed"
        )),
        Some(seconds) => Ok(seconds),
        None => Err(format!("`{written}` is too long an interval")),
    }
}

/// What is wrong with a family base name (`name = "..."`), and what to write instead.
fn family_name_message(name: &str, problem: NameProblem) -> String {
    match problem {
        NameProblem::Empty => "a metric name cannot be empty".into(),
        NameProblem::Character(bad) => {
            let why = match bad {
                ':' => " (Prometheus reserves `:` for recording rules)",
                _ if !bad.is_ascii() => " (Prometheus names are ASCII)",
                _ => "",
            };
            format!("metric names use {ALLOWED} only{why}; `{bad}` is not allowed")
        }
        NameProblem::StartsWithDigit => "a metric name cannot start with a digit".into(),
        NameProblem::DoubleUnderscore => {
            "names starting with `__` are reserved by Prometheus".into()
        }
        NameProblem::ReservedSuffix(suffix) => {
            let base = name.trim_end_matches(suffix);
            format!(
                "leave out `{suffix}`: the families are named `<name>{CALLS_SUFFIX}`, \
                 `<name>{DURATION_SUFFIX}` and `<name>{IN_FLIGHT_SUFFIX}`; \
                 write `name = \"{base}\"`"
            )
        }
        // Not a problem a family name can have; worded for completeness.
        NameProblem::ReservedLabel => format!("`{name}` is reserved; choose another name"),
    }
}

/// What is wrong with a label name, and what to write instead.
fn label_name_message(name: &str, problem: NameProblem) -> String {
    match problem {
        NameProblem::Character(bad) => {
            let why = if bad.is_ascii() {
                ""
            } else {
                " (Rust identifiers may be Unicode, Prometheus names may not: one such label \
                 fails the whole scrape)"
            };
            format!("label names use {ALLOWED} only{why}; `{bad}` is not allowed: rename `{name}`")
        }
        NameProblem::DoubleUnderscore => {
            format!("label names starting with `__` are reserved by Prometheus; rename `{name}`")
        }
        NameProblem::ReservedLabel => {
            let scrape = if SCRAPE_TARGET_LABELS.contains(&name) {
                format!(
                    ": a scrape sets `{name}` on every series and renames a series' own to \
                     `exported_{name}`"
                )
            } else {
                String::new()
            };
            format!(
                "`{name}` is a label this crate or Prometheus sets itself ({}){scrape}; choose \
                 another name",
                RESERVED_LABELS.join(", ")
            )
        }
        // A Rust identifier is never empty and never starts with a digit.
        NameProblem::Empty | NameProblem::StartsWithDigit | NameProblem::ReservedSuffix(_) => {
            format!("`{name}` is not a valid label name: use {ALLOWED}, not starting with a digit")
        }
    }
}

/// The characters Prometheus names are made of: `[a-zA-Z0-9_]`.
const ALLOWED: &str = "letters a-z A-Z, digits and `_`";

#[cfg(test)]
mod tests {
    use super::{family_name_message, label_name_message};
    use instrument_metrics_names::{NameProblem, RESERVED_LABELS, SCRAPE_TARGET_LABELS};

    #[test]
    fn scrape_target_labels_are_reserved() {
        for name in SCRAPE_TARGET_LABELS {
            assert!(RESERVED_LABELS.contains(name), "{name}");
        }
    }

    #[test]
    fn intervals() {
        use super::interval_seconds;
        assert_eq!(interval_seconds("15m"), Ok(900));
        assert_eq!(interval_seconds("30s"), Ok(30));
        assert_eq!(interval_seconds("2h"), Ok(7_200));
        assert_eq!(interval_seconds("1d"), Ok(86_400));
        for bad in [
            "15",
            "m",
            "0m",
            "1.5h",
            "15min",
            "-1m",
            "15 m",
            "",
            "99999999999999999999d",
        ] {
            assert!(interval_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_say_what_to_write() {
        assert_eq!(
            family_name_message("a:b", NameProblem::Character(':')),
            "metric names use letters a-z A-Z, digits and `_` only (Prometheus reserves `:` for \
             recording rules); `:` is not allowed"
        );
        assert_eq!(
            family_name_message("calls_total", NameProblem::ReservedSuffix("_total")),
            "leave out `_total`: the families are named `<name>_total`, \
             `<name>_duration_seconds` and `<name>_in_flight`; write `name = \"calls\"`"
        );
        assert!(
            label_name_message("café", NameProblem::Character('é'))
                .contains("Rust identifiers may be Unicode, Prometheus names may not")
        );
        assert!(
            label_name_message("job", NameProblem::ReservedLabel)
                .contains("renames a series' own to `exported_job`")
        );
        assert!(!label_name_message("le", NameProblem::ReservedLabel).contains("exported"));
    }
}

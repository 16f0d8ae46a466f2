//! What the arguments must say: Prometheus naming rules, label rules and bucket rules, each
//! reported on the offending token with what to write instead.

use crate::attr::{Args, Bound, LabelSource};

/// Labels this crate sets itself, and the ones Prometheus reserves.
const RESERVED_LABELS: &[&str] = &["function", "module", "result", "error", "le", "quantile"];

/// Suffixes the crate appends to the family name; given by hand they would double up.
const RESERVED_SUFFIXES: &[&str] = &[
    "_total",
    "_count",
    "_sum",
    "_bucket",
    "_seconds",
    "_in_flight",
];

pub(crate) fn check(args: &Args) -> syn::Result<()> {
    let mut errors: Vec<syn::Error> = Vec::new();
    if let Some(name) = &args.name
        && let Err(problem) = family_name(&name.value())
    {
        errors.push(syn::Error::new(name.span(), problem));
    }
    for (index, label) in args.labels.iter().enumerate() {
        let name = label.name.to_string();
        if let Err(problem) = label_name(&name) {
            errors.push(syn::Error::new(label.name.span(), problem));
        } else if args.labels[..index]
            .iter()
            .any(|earlier| earlier.name == label.name)
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
    if let Some(skip) = &args.skip {
        let others = args.name.is_some()
            || !args.labels.is_empty()
            || args.buckets.is_some()
            || args.in_flight.is_some()
            || args.krate.is_some();
        if others {
            errors.push(syn::Error::new(
                skip.span(),
                "`skip` leaves the function uninstrumented; it takes no other arguments",
            ));
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            errors.for_each(|error| first.combine(error));
            Err(first)
        }
    }
}

/// A family base name: `[a-zA-Z_][a-zA-Z0-9_]*`, without the prefix Prometheus reserves or a
/// suffix the crate adds.
fn family_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a metric name cannot be empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "metric names use letters, digits and `_` only (Prometheus reserves `:` for recording rules); `{bad}` is not allowed"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("a metric name cannot start with a digit".into());
    }
    if name.starts_with("__") {
        return Err("names starting with `__` are reserved by Prometheus".into());
    }
    if let Some(suffix) = RESERVED_SUFFIXES
        .iter()
        .find(|suffix| name.ends_with(*suffix))
    {
        let base = name.trim_end_matches(suffix);
        return Err(format!(
            "leave out `{suffix}`: the families are named `<name>_total`, `<name>_duration_seconds` and \
             `<name>_in_flight`; write `name = \"{base}\"`"
        ));
    }
    Ok(())
}

fn label_name(name: &str) -> Result<(), String> {
    let name = name.strip_prefix("r#").unwrap_or(name);
    if name.starts_with("__") {
        return Err(format!(
            "label names starting with `__` are reserved by Prometheus; rename `{name}`"
        ));
    }
    if RESERVED_LABELS.contains(&name) {
        return Err(format!(
            "`{name}` is a label this crate or Prometheus sets itself ({}); choose another name",
            RESERVED_LABELS.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{family_name, label_name};

    #[test]
    fn family_names() {
        assert!(family_name("pipeline_stage").is_ok());
        assert!(family_name("_private").is_ok());
        for bad in [
            "",
            "a:b",
            "a-b",
            "9x",
            "__x",
            "calls_total",
            "latency_seconds",
            "x_bucket",
            "ü",
        ] {
            assert!(family_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn label_names() {
        assert!(label_name("stage").is_ok());
        for bad in [
            "le", "quantile", "function", "module", "result", "error", "__name__",
        ] {
            assert!(label_name(bad).is_err(), "{bad}");
        }
    }
}

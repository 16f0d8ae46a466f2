//! Label values from bounded sets: the only values an instrumented function's labels can take.

/// A type whose values can be label values because there are finitely many of them, all known
/// at compile time: unbounded values (ids, paths, user input) multiply series until Prometheus
/// falls over, so `#[instrument_metrics(labels(..))]` accepts only literals and `MetricLabel`s.
///
/// Derive it on an enum: each variant is a value, in snake_case unless renamed; variants with
/// fields label by their name alone.
///
/// ```
/// use instrument_metrics::{MetricLabel, instrument_metrics};
///
/// #[derive(MetricLabel)]
/// enum Kind {
///     Full,
///     Incremental { since: u64 },
///     #[metric_label(rename = "cdc")]
///     ChangeDataCapture,
/// }
///
/// assert_eq!(Kind::VALUES, ["full", "incremental", "cdc"]);
/// assert_eq!(Kind::Incremental { since: 7 }.label(), "incremental");
///
/// #[instrument_metrics(labels(kind = kind))]
/// fn sync_table(kind: &Kind) -> usize {
///     1
/// }
/// # sync_table(&Kind::Full);
/// ```
///
/// An error type that implements it labels the errors of the functions returning it:
///
/// ```
/// use instrument_metrics::{MetricLabel, instrument_metrics};
///
/// #[derive(Debug, MetricLabel)]
/// enum FetchError {
///     NotFound,
///     #[metric_label(rename = "upstream")]
///     Upstream(std::io::Error),
/// }
///
/// #[instrument_metrics]
/// fn fetch(id: u32) -> Result<u32, FetchError> {
///     if id == 0 { Err(FetchError::NotFound) } else { Ok(id) }
/// }
///
/// let exporter = instrument_metrics::Builder::new().without_listener().install()?;
/// fetch(0).unwrap_err();
/// let text = exporter.render();
/// assert!(text.contains(r#"function="fetch","#));
/// assert!(text.contains(r#",result="error",error="not_found"} 1"#));
/// assert!(text.contains(r#",result="error",error="upstream"} 0"#));
/// # Ok::<(), instrument_metrics::Error>(())
/// ```
///
/// Implemented by hand, it maps any type onto a fixed list: `index` must return a position in
/// `VALUES` (a position past the end counts as the last value).
///
/// ```
/// use instrument_metrics::{MetricLabel, instrument_metrics};
///
/// /// An HTTP status, labelled by its class: five values, however many statuses.
/// struct Status(u16);
///
/// impl MetricLabel for Status {
///     const VALUES: &'static [&'static str] = &["1xx", "2xx", "3xx", "4xx", "5xx"];
///
///     fn index(&self) -> usize {
///         usize::from(self.0 / 100).clamp(1, 5) - 1
///     }
/// }
///
/// #[instrument_metrics(labels(class = status))]
/// fn respond(status: &Status) -> u16 {
///     status.0
/// }
///
/// assert_eq!(Status(404).label(), "4xx");
/// assert_eq!(respond(&Status(200)), 200);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a metric label value: label values must come from a bounded set",
    label = "not a bounded set of values",
    note = "every distinct label value is a new time series; ids, paths, free text and numbers have \
            no bound and overload Prometheus",
    note = "use a string literal, a `bool`, or an enum that derives `MetricLabel`"
)]
pub trait MetricLabel {
    /// Every value, in a fixed order.
    const VALUES: &'static [&'static str];

    /// The position of this value in [`VALUES`](MetricLabel::VALUES).
    fn index(&self) -> usize;

    /// This value's label.
    fn label(&self) -> &'static str {
        Self::VALUES.get(self.index()).copied().unwrap_or("unknown")
    }
}

impl<T: MetricLabel + ?Sized> MetricLabel for &T {
    const VALUES: &'static [&'static str] = T::VALUES;

    fn index(&self) -> usize {
        (**self).index()
    }
}

impl MetricLabel for bool {
    const VALUES: &'static [&'static str] = &["false", "true"];

    fn index(&self) -> usize {
        usize::from(*self)
    }
}

impl MetricLabel for std::cmp::Ordering {
    const VALUES: &'static [&'static str] = &["less", "equal", "greater"];

    fn index(&self) -> usize {
        match self {
            std::cmp::Ordering::Less => 0,
            std::cmp::Ordering::Equal => 1,
            std::cmp::Ordering::Greater => 2,
        }
    }
}

impl MetricLabel for std::net::IpAddr {
    const VALUES: &'static [&'static str] = &["v4", "v6"];

    fn index(&self) -> usize {
        usize::from(self.is_ipv6())
    }
}

impl MetricLabel for std::net::SocketAddr {
    const VALUES: &'static [&'static str] = &["v4", "v6"];

    fn index(&self) -> usize {
        usize::from(self.is_ipv6())
    }
}

/// One label value with the set it comes from, as a call site needs it: the set sizes the
/// call site's table of series, the index picks one.
#[derive(Clone, Copy, Debug)]
pub struct LabelValue {
    values: &'static [&'static str],
    index: usize,
}

impl LabelValue {
    /// The value of a label expression; a bad `index()` falls into the last value rather than
    /// panicking.
    #[inline]
    pub fn of<T: MetricLabel + ?Sized>(value: &T) -> LabelValue {
        let values = T::VALUES;
        LabelValue {
            values,
            index: value.index().min(values.len().saturating_sub(1)),
        }
    }

    /// Every value of the label's set.
    #[inline]
    pub(crate) fn values(self) -> &'static [&'static str] {
        self.values
    }

    /// The position of this value in [`LabelValue::values`].
    #[inline]
    pub(crate) fn index(self) -> usize {
        self.index
    }

    pub(crate) fn as_str(self) -> &'static str {
        self.values.get(self.index).copied().unwrap_or("unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_types_label_by_variant() {
        assert_eq!(true.label(), "true");
        assert_eq!(std::cmp::Ordering::Greater.label(), "greater");
        assert_eq!("::1".parse::<std::net::IpAddr>().unwrap().label(), "v6");
        assert_eq!(LabelValue::of(&&false).as_str(), "false");
    }
}

//! Service level objectives declared next to the code they cover.

use std::time::Duration;

/// A service level objective: the share of calls that must succeed, and the share that must
/// finish within a latency threshold. Declare it as a `const`, name it in
/// `#[instrument_metrics(objective = ..)]` on every function it covers (and on HTTP routes
/// through `HttpMetricsLayer::objective`, feature `http`); the
/// dashboards tool generates burn-rate alerts for every objective at once.
///
/// ```standalone_crate
/// use std::time::Duration;
/// use instrument_metrics::{Objective, instrument_metrics};
///
/// const CHECKOUT: Objective = Objective::new("checkout")
///     .success_rate(99.9)
///     .latency(Duration::from_millis(250), 99.0);
///
/// #[derive(Debug)]
/// struct OrderError;
///
/// #[instrument_metrics(objective = CHECKOUT)]
/// async fn place_order(items: u32) -> Result<u32, OrderError> {
///     if items == 0 { Err(OrderError) } else { Ok(items) }
/// }
///
/// assert_eq!(CHECKOUT.name(), "checkout");
/// assert_eq!(CHECKOUT.latency_target(), Some((Duration::from_millis(250), 0.99)));
/// ```
///
/// Invalid values panic, which in a `const` is a compile error: a percentage outside
/// (0, 100), an empty name, a name with a control character, a zero latency threshold:
///
/// ```compile_fail
/// # use instrument_metrics::Objective;
/// const ALWAYS: Objective = Objective::new("always").success_rate(100.0);
/// ```
///
/// The name is a label value (`objective="checkout"`), so any other text is accepted; a
/// Prometheus-style name (`checkout`, `search_api`) reads best in alerts.
///
/// What it adds to the exposition, rendered at scrape time (no per-call cost): one
/// `<family>_objective_info` gauge per instrumented function naming it (always 1, the targets in
/// its labels, `latency_le` written as the duration histogram's `le` of that bound), and the
/// targets as sample values, `<family>_objective_success_target{..,objective} 0.999` and
/// `<family>_objective_latency_target{..,objective,latency_le="0.25"} 0.99`; they are joined in PromQL
/// with the function's own series, and no label is added to any bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    name: &'static str,
    /// Percent, as written.
    success: Option<f64>,
    latency: Option<(Duration, f64)>,
}

impl Objective {
    /// An objective with no target yet.
    ///
    /// # Panics
    ///
    /// When `name` is empty or holds a control character (in a `const`: a compile error).
    #[must_use]
    pub const fn new(name: &'static str) -> Objective {
        assert!(!name.is_empty(), "an objective's name cannot be empty");
        let bytes = name.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            let byte = bytes[index];
            // ASCII controls, and the C1 controls U+0080..U+009F, encoded as 0xC2 0x80..0x9F.
            let c1 = byte == 0xC2 && index + 1 < bytes.len() && bytes[index + 1] < 0xA0;
            assert!(
                byte >= 0x20 && byte != 0x7F && !c1,
                "an objective's name cannot hold a control character"
            );
            index += 1;
        }
        Objective {
            name,
            success: None,
            latency: None,
        }
    }

    /// At least `percent` of calls succeed (`99.9`): the others return an error or panic.
    /// Cancelled calls (a future dropped) count neither way.
    ///
    /// # Panics
    ///
    /// When `percent` is not inside (0, 100) (in a `const`: a compile error).
    #[must_use]
    pub const fn success_rate(mut self, percent: f64) -> Objective {
        assert!(
            percent > 0.0 && percent < 100.0,
            "a success rate is a percentage inside (0, 100), such as 99.9"
        );
        self.success = Some(percent);
        self
    }

    /// At least `percent` of calls finish within `threshold`, which must be one of the
    /// function's histogram bucket bounds (checked at compile time when the attribute lists
    /// `buckets`, by `install()` otherwise).
    ///
    /// # Panics
    ///
    /// When `threshold` is zero or `percent` is not inside (0, 100) (in a `const`: a compile
    /// error).
    #[must_use]
    pub const fn latency(mut self, threshold: Duration, percent: f64) -> Objective {
        assert!(!threshold.is_zero(), "a latency threshold cannot be zero");
        assert!(
            percent > 0.0 && percent < 100.0,
            "a latency target is a percentage inside (0, 100), such as 99.0"
        );
        self.latency = Some((threshold, percent));
        self
    }

    /// The name, the `objective` label's value.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The success-rate target as a fraction (`0.999` for 99.9 percent), if set.
    #[must_use]
    pub const fn success_target(&self) -> Option<f64> {
        match self.success {
            Some(percent) => Some(percent / 100.0),
            None => None,
        }
    }

    /// The latency threshold and the fraction of calls that must finish within it, if set.
    #[must_use]
    pub const fn latency_target(&self) -> Option<(Duration, f64)> {
        match self.latency {
            Some((threshold, percent)) => Some((threshold, percent / 100.0)),
            None => None,
        }
    }

    /// The success-rate target in percent, as written.
    pub(crate) fn success_percent(&self) -> Option<f64> {
        self.success
    }

    /// The latency target in percent, as written.
    pub(crate) fn latency_percent(&self) -> Option<(Duration, f64)> {
        self.latency
    }
}

/// A percentage as a fraction, written exactly: `99.9` is `0.999` (dividing by 100 in floating
/// point would give `0.9990000000000001`).
pub(crate) fn fraction(percent: f64) -> String {
    let written = percent.to_string();
    let (whole, decimals) = written.split_once('.').unwrap_or((&written, ""));
    let digits = format!("{whole:0>3}{decimals}");
    let (whole, decimals) = digits.split_at(digits.len() - decimals.len() - 2);
    let whole = whole.trim_start_matches('0');
    let decimals = decimals.trim_end_matches('0');
    match (whole.is_empty(), decimals.is_empty()) {
        (true, true) => "0".to_owned(),
        (true, false) => format!("0.{decimals}"),
        (false, true) => whole.to_owned(),
        (false, false) => format!("{whole}.{decimals}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_written_exactly() {
        for (percent, written) in [
            (99.9, "0.999"),
            (99.0, "0.99"),
            (99.99, "0.9999"),
            (50.0, "0.5"),
            (0.5, "0.005"),
            (1.0, "0.01"),
            (12.3456, "0.123456"),
        ] {
            assert_eq!(fraction(percent), written, "{percent}");
        }
    }

    #[test]
    fn getters_give_fractions() {
        const SEARCH: Objective = Objective::new("search").success_rate(99.5);
        assert_eq!(SEARCH.success_target(), Some(0.995));
        assert_eq!(SEARCH.latency_target(), None);
        assert_eq!(Objective::new("ünïcode ok").name(), "ünïcode ok");
    }

    #[test]
    #[should_panic(expected = "control character")]
    fn control_characters_are_refused() {
        let _ = Objective::new("a\u{85}b");
    }

    #[test]
    #[should_panic(expected = "inside (0, 100)")]
    fn nan_is_refused() {
        let _ = Objective::new("x").success_rate(f64::NAN);
    }
}

//! The input series of the unit tests, crafted around the thresholds so that every alert
//! clearly fires or clearly stays quiet, and every recorded value is known in advance.

use crate::alerts::{Alert, Subject};
use crate::go_format::go_float_literal;
use crate::options::Options;
use crate::unit_tests::{AlertCheck, ExpectedAlert, quiet_then_firing};

/// `name{a="1", b="2"}`.
pub fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let labels: Vec<String> = labels
        .iter()
        .map(|(name, value)| format!("{name}=\"{value}\""))
        .collect();
    format!("{name}{{{}}}", labels.join(", "))
}

/// When the crafted alerts are checked, in whole minutes.
pub struct Timeline {
    /// A condition that holds from minute 1 (the first minute with two samples in the window)
    /// has fired by now, and the 5m windows are full, so values are exact.
    pub fired: u64,
    /// ... and it has not fired yet here (`None` when `--for` is under a minute).
    pub pending: Option<u64>,
    /// Samples per input series.
    samples: u64,
}

/// The traffic of the functions and HTTP unit tests: busy functions or routes, one failing more
/// often than the threshold allows and one less often, and latency histograms around the p99
/// threshold.
pub struct Traffic<'a> {
    pub time: Timeline,
    /// Calls per second of each busy function or route; each series grows by 60 times its rate
    /// every minute, so every rate over 5m is this integer exactly.
    pub total: u64,
    /// Failed calls per second out of `total`: clearly above the threshold ...
    pub failing: u64,
    /// ... and clearly below it.
    pub healthy: u64,
    /// The labels of `--keep-labels`, each with the value `prod`.
    kept: Vec<(&'a str, &'static str)>,
    /// Histogram bounds around the p99 threshold: `threshold/2, threshold, 2*threshold`.
    bounds: [f64; 3],
}

/// Latency histograms of a slow, a fast and an idle function or route, and the p99s the rules
/// record for them.
pub struct Latency {
    pub series: Vec<(String, String)>,
    pub slow_p99: f64,
    pub fast_p99: f64,
}

impl Traffic<'_> {
    pub fn new(options: &Options) -> Traffic<'_> {
        let for_minutes = options.for_seconds.div_ceil(60);
        // The alert's condition holds from minute 1 or 2 (an alert group may see the recording
        // group's results of the previous evaluation), so it fires by for + 2 minutes.
        let fired = (for_minutes + 2).max(5);
        let time = Timeline {
            fired,
            pending: (options.for_seconds >= 60).then_some(options.for_seconds / 60),
            samples: fired,
        };
        let ratio = options.error_ratio;
        let mut total = 1000_u64;
        while (total as f64) * ratio < 10.0 {
            total *= 10;
        }
        let above = (2.0 * ratio).min(f64::midpoint(1.0, ratio));
        let failing = ((total as f64) * above).ceil() as u64;
        let healthy = ((total as f64) * ratio / 2.0).floor() as u64;
        assert!(
            failing as f64 / total as f64 > ratio && (healthy as f64 / total as f64) < ratio,
            "the crafted ratios straddle the threshold"
        );
        let threshold = options.p99_seconds;
        Traffic {
            time,
            total,
            failing,
            healthy,
            kept: options
                .keep
                .iter()
                .map(|label| (label.as_str(), "prod"))
                .collect(),
            bounds: [threshold / 2.0, threshold, threshold * 2.0],
        }
    }

    /// `job`, the kept labels, then `rest`: the labels of a crafted series, and of what the
    /// recording rules make of it (they keep `job` and the kept labels first).
    pub fn labels<'l>(
        &'l self,
        job: &'l str,
        rest: &[(&'l str, &'l str)],
    ) -> Vec<(&'l str, &'l str)> {
        let mut labels = vec![("job", job)];
        labels.extend_from_slice(&self.kept);
        labels.extend_from_slice(rest);
        labels
    }

    /// The kept labels alone.
    pub fn kept(&self) -> &[(&str, &str)] {
        &self.kept
    }

    /// The share of all calls that `failed` calls a second are.
    pub fn ratio(&self, failed: u64) -> f64 {
        failed as f64 / self.total as f64
    }

    /// An error ratio alert and a latency alert, quiet while pending, then firing for the one
    /// series that fails at `failing` and is as slow as `slow_p99`: `labels` are its labels
    /// after the rule's, `who` and `job` how the annotations name it.
    pub fn failing_and_slow_alerts(
        &self,
        options: &Options,
        alerts: [Alert; 2],
        labels: &[(&str, &str)],
        (who, job): (&str, &str),
        slow_p99: f64,
    ) -> Vec<AlertCheck> {
        let [error_ratio, latency] = alerts;
        let expected = |alert: Alert, value: f64| {
            let subject = Subject {
                who,
                job,
                value: &alert.value_text(value),
            };
            ExpectedAlert::new(options, &alert, labels, &subject)
        };
        quiet_then_firing(
            self.time.pending,
            self.time.fired,
            vec![
                expected(error_ratio, self.ratio(self.failing)),
                expected(latency, slow_p99),
            ],
        )
    }

    /// A counter that grows by `per_second` every second.
    pub fn growing(&self, per_second: u64) -> String {
        format!("0+{}x{}", per_second * 60, self.time.samples)
    }

    /// A counter that stays at `value`: an idle function or route.
    pub fn flat(&self, value: u64) -> String {
        format!("{value}+0x{}", self.time.samples)
    }

    /// `per_second` observations a second of the slow one, each in (threshold, 2*threshold], and
    /// as many of the fast one in (threshold/2, threshold]; none of the idle one. Each is given
    /// by its series' labels.
    pub fn latency(
        &self,
        bucket: &str,
        [slow, fast, idle]: [&[(&str, &str)]; 3],
        per_second: u64,
    ) -> Latency {
        let mut series = self.histogram(bucket, slow, [0, 0, per_second], per_second);
        series.extend(self.histogram(bucket, fast, [0, per_second, per_second], per_second));
        series.extend(self.histogram(bucket, idle, [0, 0, 0], 0));
        let [half, threshold, double] = self.bounds;
        Latency {
            series,
            slow_p99: crafted_quantile(0.99, threshold, double, per_second),
            fast_p99: crafted_quantile(0.99, half, threshold, per_second),
        }
    }

    /// `cumulative` counts a second per bound, then `total` for +Inf.
    fn histogram(
        &self,
        bucket: &str,
        labels: &[(&str, &str)],
        cumulative: [u64; 3],
        total: u64,
    ) -> Vec<(String, String)> {
        let les = self.bounds.map(go_float_literal);
        let les = les.iter().map(String::as_str).chain(["+Inf"]);
        les.zip(cumulative.into_iter().chain([total]))
            .map(|(le, count)| {
                let labels = [labels, &[("le", le)]].concat();
                (series(bucket, &labels), self.growing(count))
            })
            .collect()
    }
}

/// Prometheus 2.42's `bucketQuantile`, for the buckets this generator crafts: every observation
/// in one bucket, `(start, end]`, so the result is interpolated inside it.
fn crafted_quantile(q: f64, start: f64, end: f64, per_second: u64) -> f64 {
    let count = per_second as f64;
    let rank = q * count;
    start + (end - start) * (rank / count)
}

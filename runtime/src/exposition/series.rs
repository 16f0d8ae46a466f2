//! The series of one call site, stored as per-thread shards of plain counters.
//!
//! Through the `metrics` facade a call costs a gauge update in an f64 compare-and-swap loop
//! (twice), and a histogram sample pushed into a buffer that upkeep later folds into buckets.
//! Here a call adds to a few integer counters of its thread's shard ([`shards`](super::shards)):
//! no locked instruction and no cache line another core writes. The histogram counts straight
//! into its bucket and its sum is kept in whole nanoseconds, so counts are exact and nothing grows
//! between scrapes; the in-flight count is the calls started minus the calls finished (the
//! histogram's count), so that a future that moves to another thread mid-call still leaves it.
//! A render sums the shards.

use std::sync::OnceLock;
use std::time::Duration;

use super::exemplar::BucketExemplars;
use super::shards::Shards;
use super::text;
use crate::model::names::{CALLS_SUFFIX, DURATION_SUFFIX, IN_FLIGHT_SUFFIX, label};
use crate::model::{LabelValue, Outcome};

/// The family names of one family base (`function_calls` or an attribute's `name`), prefixed.
pub(crate) struct FamilyNames {
    calls: String,
    duration: String,
    in_flight: String,
}

impl FamilyNames {
    /// `prefix` is `namespace_subsystem_` or empty; `family` the base name.
    pub(crate) fn new(prefix: &str, family: &str) -> FamilyNames {
        FamilyNames {
            calls: format!("{prefix}{family}{CALLS_SUFFIX}"),
            duration: format!("{prefix}{family}{DURATION_SUFFIX}"),
            in_flight: format!("{prefix}{family}{IN_FLIGHT_SUFFIX}"),
        }
    }

    /// The calls counter's name.
    pub(crate) fn calls(&self) -> &str {
        &self.calls
    }

    /// The duration histogram's name.
    pub(crate) fn duration(&self) -> &str {
        &self.duration
    }

    /// The in-flight gauge's name.
    pub(crate) fn in_flight(&self) -> &str {
        &self.in_flight
    }
}

/// Histogram bucket bounds, in nanoseconds for counting and as text for rendering, and the
/// histogram kept in a series' shards with them: the call sites' and the HTTP routes'.
#[derive(Clone)]
pub(crate) struct Bounds {
    seconds: Box<[f64]>,
    nanos: Box<[u64]>,
    text: Box<[String]>,
}

impl Bounds {
    pub(crate) fn new(seconds: &[f64]) -> Bounds {
        Bounds {
            seconds: seconds.into(),
            nanos: seconds.iter().map(|bound| (bound * 1e9) as u64).collect(),
            text: seconds.iter().map(ToString::to_string).collect(),
        }
    }

    /// The bounds in seconds.
    pub(crate) fn seconds(&self) -> &[f64] {
        &self.seconds
    }

    /// The bucket of a duration: the index of the first bound it does not exceed, or the
    /// `+Inf` bucket's (`len`).
    #[inline]
    pub(crate) fn bucket(&self, nanos: u64) -> usize {
        self.nanos
            .iter()
            .position(|bound| nanos <= *bound)
            .unwrap_or(self.nanos.len())
    }

    /// The histogram's count: the sum of its buckets, which `shards` keeps from cell `first`.
    pub(crate) fn count(&self, shards: &Shards, first: usize) -> u64 {
        (0..=self.nanos.len())
            .map(|index| shards.sum(first + index))
            .fold(0, u64::wrapping_add)
    }

    /// The histogram `name` with `labels`: cumulative buckets from cell `first` of `shards`,
    /// the sum of durations in nanoseconds from cell `sum`, and the count.
    pub(crate) fn render(
        &self,
        out: &mut String,
        name: &str,
        labels: [&str; 2],
        shards: &Shards,
        (first, sum): (usize, usize),
    ) {
        let mut cumulative = 0;
        let bucket = format!("{name}_bucket");
        for index in 0..=self.nanos.len() {
            cumulative += shards.sum(first + index);
            let bound = self.text.get(index).map_or("+Inf", String::as_str);
            let le = text::labels([("le", bound)]);
            text::sample(out, &bucket, &[labels[0], labels[1], &le], cumulative);
        }
        let sum = Duration::from_nanos(shards.sum(sum)).as_secs_f64();
        text::sample(out, &format!("{name}_sum"), &labels, sum);
        text::sample(out, &format!("{name}_count"), &labels, cumulative);
    }
}

/// The cells of a call site's shard: calls started, calls finished by outcome, the sum of
/// their durations in nanoseconds, then one count per bucket (not cumulative; the `+Inf` bucket
/// last). Calls finished are the buckets' total, so the outcomes are written before the bucket.
const STARTED: usize = 0;
const OUTCOMES: usize = 1;
const SUM_NANOS: usize = OUTCOMES + Outcome::ALL.len();
const BUCKETS: usize = SUM_NANOS + 1;

/// All series of one call site: its calls by outcome, its in-flight count, its histogram.
pub(crate) struct CallSeries {
    names: FamilyNames,
    /// `function="..",module=".."`, escaped.
    labels: String,
    /// Calls that returned an `Err` whose type is a `MetricLabel`, by variant; sized by the
    /// variant set at the first such error, whose type is only known from a value.
    errors: OnceLock<Errors>,
    in_flight: bool,
    bounds: Bounds,
    /// The counters, one shard per thread (see the cells above).
    shards: Shards,
    /// The latest traced call per bucket, when exemplars are on.
    exemplars: Option<&'static BucketExemplars>,
    /// The latest traced call per outcome counter (without an `error` label), when exemplars
    /// are on; given the context a bucket took, so no trace is looked up for them.
    outcome_exemplars: Option<[&'static BucketExemplars; Outcome::ALL.len()]>,
}

struct Errors {
    values: &'static [&'static str],
    /// One cell per variant, sharded per thread like the other counters.
    counts: Shards,
}

impl CallSeries {
    /// `labels` is the rendered label set (see [`text::labels`]).
    pub(crate) fn new(
        names: FamilyNames,
        labels: String,
        bounds: Bounds,
        in_flight: bool,
    ) -> CallSeries {
        CallSeries {
            names,
            labels,
            errors: OnceLock::new(),
            in_flight,
            shards: Shards::new(BUCKETS + bounds.nanos.len() + 1),
            bounds,
            exemplars: None,
            outcome_exemplars: None,
        }
    }

    /// Keeps exemplars on the histogram's buckets in `exemplars` (see [`super::exemplar`]).
    pub(crate) fn with_exemplars(
        mut self,
        exemplars: Option<(
            &'static BucketExemplars,
            [&'static BucketExemplars; Outcome::ALL.len()],
        )>,
    ) -> Self {
        self.exemplars = exemplars.map(|(buckets, _)| buckets);
        self.outcome_exemplars = exemplars.map(|(_, outcomes)| outcomes);
        self
    }

    /// Whether this is the series of `names` with `labels`.
    pub(crate) fn is(&self, names: &FamilyNames, labels: &str) -> bool {
        self.names.calls == names.calls && self.labels == labels
    }

    pub(crate) fn names(&self) -> &FamilyNames {
        &self.names
    }

    pub(crate) fn has_in_flight(&self) -> bool {
        self.in_flight
    }

    /// Counts a call as started, in the calling thread's shard.
    #[inline]
    pub(crate) fn start(&self) {
        self.shards.local().add(STARTED, 1);
    }

    /// Records a finished call, in the calling thread's shard (which need not be the one that
    /// started it); `error` is the variant of an `Err` whose type is a label. Everything a call
    /// records when it ends goes through here. Inlined into its two callers: the guard's common
    /// case and the handles of labelled sites.
    #[inline(always)]
    pub(crate) fn finish(&self, outcome: Outcome, error: Option<LabelValue>, nanos: u64) {
        let bucket = self.bounds.bucket(nanos);
        if let Some(exemplars) = self.exemplars {
            self.offer_exemplar(exemplars, outcome, error.is_some(), bucket, nanos);
        }
        let shard = self.shards.local();
        shard.add(SUM_NANOS, nanos);
        match error {
            Some(error) => self.count_error(error),
            None => shard.add(OUTCOMES + outcome as usize, 1),
        }
        // Last: a render that counts this call as finished sees its outcome and duration.
        shard.add(BUCKETS + bucket, 1);
    }

    /// Offers the call to its bucket's exemplar, and the trace the bucket took to the outcome
    /// counter's. Out of line: without exemplars, a call keeps a smaller frame.
    #[inline(never)]
    fn offer_exemplar(
        &self,
        exemplars: &BucketExemplars,
        outcome: Outcome,
        labelled_error: bool,
        bucket: usize,
        nanos: u64,
    ) {
        let context = exemplars.offer_call(bucket, nanos);
        if let (Some(context), Some(outcomes), false) =
            (context, self.outcome_exemplars, labelled_error)
        {
            outcomes[outcome as usize].offer_traced(1.0, context);
        }
    }

    /// Calls finished: the histogram's count.
    fn finished(&self) -> u64 {
        self.bounds.count(&self.shards, BUCKETS)
    }

    #[cold]
    fn count_error(&self, error: LabelValue) {
        let errors = self.errors.get_or_init(|| Errors {
            values: error.values(),
            counts: Shards::new(error.values().len()),
        });
        if error.index() < errors.values.len() {
            errors.counts.local().add(error.index(), 1);
        }
    }

    /// The samples of the calls counter, `custom` labels first.
    pub(crate) fn render_calls(&self, out: &mut String, custom: &str) {
        for outcome in Outcome::ALL {
            let count = self.shards.sum(OUTCOMES + outcome as usize);
            let result = text::labels([(label::RESULT, outcome.as_str())]);
            text::sample(
                out,
                &self.names.calls,
                &[custom, &self.labels, &result],
                count,
            );
        }
        if let Some(errors) = self.errors.get() {
            for (index, value) in errors.values.iter().enumerate() {
                let count = errors.counts.sum(index);
                let error = text::labels([
                    (label::RESULT, Outcome::Error.as_str()),
                    (label::ERROR, value),
                ]);
                text::sample(
                    out,
                    &self.names.calls,
                    &[custom, &self.labels, &error],
                    count,
                );
            }
        }
    }

    /// The sample of the in-flight gauge, if it is kept.
    pub(crate) fn render_in_flight(&self, out: &mut String, custom: &str) {
        if self.in_flight {
            // Finished first: a call seen finished was seen started (its start happened before
            // its finish, which was written last), so the difference is never negative.
            let finished = self.finished();
            let started = self.shards.sum(STARTED);
            let running = started.wrapping_sub(finished).cast_signed();
            text::sample(out, &self.names.in_flight, &[custom, &self.labels], running);
        }
    }

    /// The samples of the histogram: cumulative buckets, sum and count.
    pub(crate) fn render_duration(&self, out: &mut String, custom: &str) {
        self.bounds.render(
            out,
            &self.names.duration,
            [custom, &self.labels],
            &self.shards,
            (BUCKETS, SUM_NANOS),
        );
    }
}

//! Capture what instrumented code records, for your own tests.
//!
//! [`capture`] runs a closure, and [`capture_future`] polls a future, with a fresh recorder set
//! for the current thread only, so tests running in parallel never see each other's calls and
//! no global recorder is needed ("recorder already set" cannot happen). Calls made on other
//! threads — a spawned task, a thread pool — are not captured.
//!
//! ```
//! use instrument_metrics::instrument_metrics;
//! use instrument_metrics::testing::capture;
//!
//! #[instrument_metrics]
//! fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
//!     input.parse()
//! }
//!
//! let ((), captured) = capture(|| {
//!     parse("1").unwrap();
//!     parse("x").unwrap_err();
//! });
//! assert_eq!(captured.calls("parse", "ok"), 1);
//! assert_eq!(captured.calls("parse", "error"), 1);
//! assert_eq!(captured.histogram_count("function_calls_duration_seconds", &[("function", "parse")]), 2);
//! assert_eq!(captured.gauge("function_calls_in_flight", &[("function", "parse")]), Some(0.0));
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use metrics::{
    Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};

/// Runs `f` with a capturing recorder set on this thread; returns its value and what it recorded.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Captured) {
    let recorder = CaptureRecorder::default();
    let value = metrics::with_local_recorder(&recorder, f);
    (value, recorder.into_captured())
}

/// Polls `future` with a capturing recorder set on the polling thread, whichever thread that is
/// on each poll; resolves to its output and what it recorded.
///
/// ```
/// # use instrument_metrics::instrument_metrics;
/// #[instrument_metrics]
/// async fn fetch() -> Result<u8, String> {
///     Ok(1)
/// }
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # runtime.block_on(async {
/// let (value, captured) = instrument_metrics::testing::capture_future(fetch()).await;
/// assert_eq!(value, Ok(1));
/// assert_eq!(captured.calls("fetch", "ok"), 1);
/// # });
/// ```
pub fn capture_future<F: Future>(future: F) -> CaptureFuture<F> {
    CaptureFuture {
        future: Box::pin(future),
        recorder: Some(CaptureRecorder::default()),
    }
}

/// The future returned by [`capture_future`].
#[must_use = "futures do nothing unless polled"]
pub struct CaptureFuture<F> {
    future: Pin<Box<F>>,
    recorder: Option<CaptureRecorder>,
}

impl<F: Future> Future for CaptureFuture<F> {
    type Output = (F::Output, Captured);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(recorder) = &this.recorder else {
            panic!("CaptureFuture polled after completion");
        };
        let future = this.future.as_mut();
        match metrics::with_local_recorder(recorder, || future.poll(cx)) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(output) => {
                let recorder = this.recorder.take().unwrap_or_default();
                Poll::Ready((output, recorder.into_captured()))
            }
        }
    }
}

/// Everything one capture recorded, queried by metric name and labels.
///
/// Label filters match series that carry at least the given labels; values of all matching
/// series are summed (counters, histogram counts) or the single match is returned (gauges).
#[derive(Debug, Default)]
pub struct Captured {
    counters: Vec<(Key, u64)>,
    gauges: Vec<(Key, f64)>,
    histograms: Vec<(Key, Vec<f64>)>,
    descriptions: HashMap<String, (Option<Unit>, String)>,
}

impl Captured {
    /// `function_calls_total` for one function and result (`ok`, `error`, `panic`, `cancelled`).
    pub fn calls(&self, function: &str, result: &str) -> u64 {
        self.counter(
            "function_calls_total",
            &[("function", function), ("result", result)],
        )
    }

    /// The sum of the matching counters; 0 when none matches.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        matching(&self.counters, name, labels)
            .map(|(_, value)| value)
            .sum()
    }

    /// The value of the one matching gauge; `None` when none or several match.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut found = matching(&self.gauges, name, labels).map(|(_, value)| *value);
        match (found.next(), found.next()) {
            (Some(value), None) => Some(value),
            _ => None,
        }
    }

    /// The number of samples in the matching histograms.
    pub fn histogram_count(&self, name: &str, labels: &[(&str, &str)]) -> usize {
        self.histogram_samples(name, labels).len()
    }

    /// The samples recorded in the matching histograms, in recording order per series.
    pub fn histogram_samples(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        matching(&self.histograms, name, labels)
            .flat_map(|(_, samples)| samples.iter().copied())
            .collect()
    }

    /// The description (HELP text) a metric was given, and its unit.
    pub fn description(&self, name: &str) -> Option<(Option<Unit>, &str)> {
        self.descriptions
            .get(name)
            .map(|(unit, text)| (*unit, text.as_str()))
    }

    /// Every series recorded, as `name{label="value",...}`, sorted; handy in assertion messages.
    pub fn series(&self) -> Vec<String> {
        let keys = self
            .counters
            .iter()
            .map(|(key, _)| key)
            .chain(self.gauges.iter().map(|(key, _)| key));
        let mut series: Vec<String> = keys
            .chain(self.histograms.iter().map(|(key, _)| key))
            .map(render_key)
            .collect();
        series.sort();
        series
    }
}

fn matching<'a, V>(
    series: &'a [(Key, V)],
    name: &'a str,
    labels: &'a [(&str, &str)],
) -> impl Iterator<Item = &'a (Key, V)> {
    series.iter().filter(move |(key, _)| {
        key.name() == name
            && labels.iter().all(|(want_key, want_value)| {
                key.labels()
                    .any(|label| label.key() == *want_key && label.value() == *want_value)
            })
    })
}

fn render_key(key: &Key) -> String {
    let labels: Vec<String> = key
        .labels()
        .map(|label| format!("{}={:?}", label.key(), label.value()))
        .collect();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

/// A recorder that keeps everything in memory until the capture ends.
#[derive(Default)]
struct CaptureRecorder {
    counters: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    gauges: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    histograms: Mutex<HashMap<Key, Arc<Samples>>>,
    descriptions: Mutex<HashMap<String, (Option<Unit>, String)>>,
}

#[derive(Default)]
struct Samples(Mutex<Vec<f64>>);

impl HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(value);
    }
}

fn entry<V: Default>(map: &Mutex<HashMap<Key, Arc<V>>>, key: &Key) -> Arc<V> {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(map.entry(key.clone()).or_default())
}

fn drain<V, T>(map: Mutex<HashMap<Key, Arc<V>>>, value: impl Fn(&V) -> T) -> Vec<(Key, T)> {
    let map = map.into_inner().unwrap_or_else(PoisonError::into_inner);
    map.into_iter()
        .map(|(key, cell)| {
            let value = value(&cell);
            (key, value)
        })
        .collect()
}

impl CaptureRecorder {
    fn describe(&self, key: &KeyName, unit: Option<Unit>, description: &SharedString) {
        let mut descriptions = self
            .descriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        descriptions.insert(key.as_str().to_owned(), (unit, description.to_string()));
    }

    fn into_captured(self) -> Captured {
        Captured {
            counters: drain(self.counters, |value| value.load(Ordering::Relaxed)),
            gauges: drain(self.gauges, |bits| {
                f64::from_bits(bits.load(Ordering::Relaxed))
            }),
            histograms: drain(self.histograms, |samples| {
                samples
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone()
            }),
            descriptions: self
                .descriptions
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        }
    }
}

impl Recorder for CaptureRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> Counter {
        Counter::from_arc(entry(&self.counters, key))
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(entry(&self.gauges, key))
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(entry(&self.histograms, key))
    }
}

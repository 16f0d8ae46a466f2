//! Series this crate stores itself when its own exporter is installed.
//!
//! Through the `metrics` facade a call costs a gauge update in an f64 compare-and-swap loop
//! (twice), and a histogram sample pushed into a buffer that upkeep later folds into buckets.
//! Here a call is a handful of relaxed integer atomics: the in-flight count is an integer, the
//! histogram counts straight into its bucket, and its sum is kept in whole nanoseconds, so counts
//! are exact and nothing grows between scrapes. Other recorders still get `metrics` handles.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use crate::metric_label::LabelValue;
use crate::outcome::{Classified, Outcome};

/// The registry of the exporter being installed or installed.
static REGISTRY: RwLock<Option<&'static Registry>> = RwLock::new(None);

/// Whether the registry's recorder is the global one. While an installation is under way, call
/// sites resolving against the global recorder wait for its outcome: resolving to `metrics`
/// handles in that window would render the same family twice.
static STATE: AtomicU8 = AtomicU8::new(IDLE);
const IDLE: u8 = 0;
const INSTALLING: u8 = 1;
const ACTIVE: u8 = 2;

pub(crate) struct Registry {
    /// `name="value",` for each custom label, escaped, prepended to every series.
    custom_labels: String,
    default_buckets: Bounds,
    series: Mutex<Vec<&'static CallSeries>>,
}

/// Histogram bucket bounds, in nanoseconds for counting and as text for rendering.
#[derive(Clone)]
pub(crate) struct Bounds {
    nanos: Box<[u64]>,
    text: Box<[String]>,
}

impl Bounds {
    pub(crate) fn new(seconds: &[f64]) -> Bounds {
        Bounds {
            nanos: seconds.iter().map(|bound| (bound * 1e9) as u64).collect(),
            text: seconds.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The names and help of one family base (`function_calls` or an attribute's `name`).
pub(crate) struct Names {
    pub(crate) calls: String,
    pub(crate) duration: String,
    pub(crate) in_flight: String,
}

/// All series of one call site: its calls by outcome, its in-flight count, its histogram.
pub(crate) struct CallSeries {
    names: Names,
    /// `function="..",module=".."`, escaped.
    labels: String,
    calls: [AtomicU64; 4],
    /// Calls that returned an `Err` whose type is a `MetricLabel`, by variant; sized by the
    /// variant set at the first such error.
    errors: OnceLock<Errors>,
    /// `None` with `in_flight = false`.
    in_flight: Option<AtomicI64>,
    bounds: Bounds,
    /// One counter per bound, plus the `+Inf` bucket; not cumulative.
    buckets: Box<[AtomicU64]>,
    sum_nanos: AtomicU64,
}

/// Starts an installation: call [`finish_install`] once the recorder is (or is not) global.
pub(crate) fn begin_install(custom_labels: &[(String, String)], default_buckets: &[f64]) {
    let custom_labels = custom_labels
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\",", escape(value)))
        .collect();
    let registry: &'static Registry = Box::leak(Box::new(Registry {
        custom_labels,
        default_buckets: Bounds::new(default_buckets),
        series: Mutex::new(Vec::new()),
    }));
    *REGISTRY.write().unwrap_or_else(PoisonError::into_inner) = Some(registry);
    STATE.store(INSTALLING, Ordering::SeqCst);
}

pub(crate) fn finish_install(installed: bool) {
    if !installed {
        *REGISTRY.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
    STATE.store(if installed { ACTIVE } else { IDLE }, Ordering::SeqCst);
}

/// The installed exporter's registry, once its recorder is the global one.
pub(crate) fn registry() -> Option<&'static Registry> {
    loop {
        match STATE.load(Ordering::SeqCst) {
            INSTALLING => std::thread::yield_now(),
            ACTIVE => return *REGISTRY.read().unwrap_or_else(PoisonError::into_inner),
            _ => return None,
        }
    }
}

impl Registry {
    /// `name="value",` for each custom label, escaped.
    #[cfg(feature = "process")]
    pub(crate) fn custom_labels(&self) -> &str {
        &self.custom_labels
    }

    /// Creates the series of one call site; they live as long as the process, like the call site.
    /// The series of one call site; call sites with the same names and labels (two nested
    /// functions of one name) share them, as they would share a `metrics` key. They live as long
    /// as the process, like the call sites.
    pub(crate) fn register(
        &'static self,
        names: Names,
        labels: &[(&str, &str)],
        buckets: Option<&[f64]>,
        in_flight: bool,
    ) -> &'static CallSeries {
        let labels = labels
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
            .collect::<Vec<_>>()
            .join(",");
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = series
            .iter()
            .find(|existing| existing.names.calls == names.calls && existing.labels == labels)
        {
            return existing;
        }
        let bounds = buckets.map_or_else(|| self.default_buckets.clone(), Bounds::new);
        let registered: &'static CallSeries = Box::leak(Box::new(CallSeries {
            names,
            labels,
            calls: Default::default(),
            errors: OnceLock::new(),
            in_flight: in_flight.then(|| AtomicI64::new(0)),
            buckets: (0..=bounds.nanos.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            bounds,
            sum_nanos: AtomicU64::new(0),
        }));
        series.push(registered);
        registered
    }

    /// The exposition text of every series, family by family.
    pub(crate) fn render(&self, out: &mut String) {
        let series = self
            .series
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut families: Vec<&str> = Vec::new();
        for one in &series {
            if !families.contains(&one.names.calls.as_str()) {
                families.push(&one.names.calls);
            }
        }
        for family in families {
            let members: Vec<&CallSeries> = series
                .iter()
                .copied()
                .filter(|one| one.names.calls == family)
                .collect();
            self.render_family(out, &members);
        }
    }

    fn render_family(&self, out: &mut String, members: &[&CallSeries]) {
        let custom = &self.custom_labels;
        let names = &members[0].names;
        header(out, &names.calls, crate::callsite::CALLS_HELP, "counter");
        for one in members {
            let labels = format!("{custom}{}", one.labels);
            for outcome in Outcome::ALL {
                let count = one.calls[outcome as usize].load(Ordering::Relaxed);
                let result = outcome.as_str();
                let _ = writeln!(
                    out,
                    "{}{{{labels},result=\"{result}\"}} {count}",
                    names.calls
                );
            }
            if let Some(errors) = one.errors.get() {
                for (value, count) in errors.values.iter().zip(&errors.counts) {
                    let count = count.load(Ordering::Relaxed);
                    let error = escape(value);
                    let _ = writeln!(
                        out,
                        "{}{{{labels},result=\"error\",error=\"{error}\"}} {count}",
                        names.calls
                    );
                }
            }
        }
        if members.iter().any(|one| one.in_flight.is_some()) {
            header(
                out,
                &names.in_flight,
                crate::callsite::IN_FLIGHT_HELP,
                "gauge",
            );
        }
        for one in members {
            if let Some(in_flight) = &one.in_flight {
                let running = in_flight.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "{}{{{custom}{}}} {running}",
                    names.in_flight, one.labels
                );
            }
        }
        header(
            out,
            &names.duration,
            crate::callsite::DURATION_HELP,
            "histogram",
        );
        for one in members {
            let labels = format!("{custom}{}", one.labels);
            let mut cumulative = 0;
            for (index, bucket) in one.buckets.iter().enumerate() {
                cumulative += bucket.load(Ordering::Relaxed);
                let bound = one.bounds.text.get(index).map_or("+Inf", String::as_str);
                let _ = writeln!(
                    out,
                    "{}_bucket{{{labels},le=\"{bound}\"}} {cumulative}",
                    names.duration
                );
            }
            let sum = Duration::from_nanos(one.sum_nanos.load(Ordering::Relaxed)).as_secs_f64();
            let _ = writeln!(out, "{}_sum{{{labels}}} {sum}", names.duration);
            let _ = writeln!(out, "{}_count{{{labels}}} {cumulative}", names.duration);
        }
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

impl CallSeries {
    #[inline]
    pub(crate) fn start(&self) {
        if let Some(in_flight) = &self.in_flight {
            in_flight.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[inline]
    pub(crate) fn finish(&self, classified: Classified, elapsed: Duration) {
        // Durations past 584 years saturate; they would not fit any bucket anyway.
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let bucket = self
            .bounds
            .nanos
            .iter()
            .position(|bound| nanos <= *bound)
            .unwrap_or(self.bounds.nanos.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        if let Some(in_flight) = &self.in_flight {
            in_flight.fetch_sub(1, Ordering::Relaxed);
        }
        match classified.error {
            Some(error) => self.count_error(error),
            None => {
                self.calls[classified.outcome as usize].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    #[cold]
    fn count_error(&self, error: LabelValue) {
        let errors = self.errors.get_or_init(|| Errors {
            values: error.values,
            counts: error.values.iter().map(|_| AtomicU64::new(0)).collect(),
        });
        if let Some(count) = errors.counts.get(error.index) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Errors {
    values: &'static [&'static str],
    counts: Box<[AtomicU64]>,
}

/// Escapes a label value for the text exposition format.
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
    fn a_call_lands_in_its_bucket_and_the_sum() {
        let registry: &'static Registry = Box::leak(Box::new(Registry {
            custom_labels: "service=\"api\",".into(),
            default_buckets: Bounds::new(&[0.001, 0.01]),
            series: Mutex::new(Vec::new()),
        }));
        let names = Names {
            calls: "f_total".into(),
            duration: "f_duration_seconds".into(),
            in_flight: "f_in_flight".into(),
        };
        let series = registry.register(
            names,
            &[("function", "work"), ("module", "app")],
            None,
            true,
        );
        series.start();
        series.finish(Outcome::Ok.into(), Duration::from_micros(500));
        series.start();
        series.finish(Outcome::Error.into(), Duration::from_millis(5));
        series.start();
        series.finish(Outcome::Ok.into(), Duration::from_secs(1));
        series.start();
        let mut out = String::new();
        registry.render(&mut out);
        for line in [
            "f_total{service=\"api\",function=\"work\",module=\"app\",result=\"ok\"} 2",
            "f_total{service=\"api\",function=\"work\",module=\"app\",result=\"error\"} 1",
            "f_total{service=\"api\",function=\"work\",module=\"app\",result=\"panic\"} 0",
            "f_in_flight{service=\"api\",function=\"work\",module=\"app\"} 1",
            "f_duration_seconds_bucket{service=\"api\",function=\"work\",module=\"app\",le=\"0.001\"} 1",
            "f_duration_seconds_bucket{service=\"api\",function=\"work\",module=\"app\",le=\"0.01\"} 2",
            "f_duration_seconds_bucket{service=\"api\",function=\"work\",module=\"app\",le=\"+Inf\"} 3",
            "f_duration_seconds_sum{service=\"api\",function=\"work\",module=\"app\"} 1.0055",
            "f_duration_seconds_count{service=\"api\",function=\"work\",module=\"app\"} 3",
        ] {
            assert!(
                out.lines().any(|rendered| rendered == line),
                "missing {line} in\n{out}"
            );
        }
    }
}

//! One `static` per instrumented function: what it records, and the handles cached for the
//! global recorder.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics::{
    Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, SharedString, Unit,
};

use crate::guard::Guard;
use crate::metric_label::LabelValue;
use crate::outcome::{Classified, Outcome};
use crate::recorder::{self, Active};
use crate::series::{self, CallSeries, Names};
use crate::settings;

/// `ENABLE_METRICS=false`: every call site is switched off, so that each call costs one load.
#[cfg(feature = "exporter")]
pub(crate) fn disable() {
    for site in crate::__private::CALL_SITES {
        site.off.store(true, Ordering::Relaxed);
    }
}

const DEFAULT_FAMILY: &str = "function_calls";

pub(crate) const CALLS_HELP: &str =
    "Calls of instrumented functions, by outcome (ok, error, panic, cancelled).";
pub(crate) const DURATION_HELP: &str = "Duration of calls of instrumented functions, in seconds.";
pub(crate) const IN_FLIGHT_HELP: &str = "Calls of instrumented functions currently running.";

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Where an instrumented function is, what it records, and its handles once a global recorder
/// exists. The macro places one in a `static` inside each instrumented function.
pub struct CallSite {
    name: &'static str,
    module: &'static str,
    /// `type_name` of an item declared inside the function: its path, with the impl's type.
    locate: fn() -> &'static str,
    spec: Spec,
    function: OnceLock<String>,
    resolved: OnceLock<Resolved>,
    /// Set by `install()` when metrics are disabled or this function is excluded; checked
    /// before anything else, so such a call costs one load.
    off: AtomicBool,
}

/// The attribute's arguments, as the runtime needs them.
#[derive(Clone, Copy)]
struct Spec {
    family: &'static str,
    labels: &'static [(&'static str, &'static str)],
    argument_labels: &'static [&'static str],
    buckets: Option<&'static [f64]>,
    in_flight: bool,
}

/// A call site resolved against the global recorder, which is set once and never freed, so its
/// address identifies it for the rest of the process.
struct Resolved {
    recorder: usize,
    /// One slot per combination of argument label values; one slot without argument labels.
    /// `None` inside a slot: the function is excluded from recording.
    slots: Box<[OnceLock<Option<Handles>>]>,
}

/// Where one call site records, for one combination of label values.
pub(crate) enum Handles {
    /// Into the installed exporter's own series: direct atomics.
    Own(&'static CallSeries),
    /// Into any other recorder, through `metrics` handles.
    Facade(FacadeHandles),
}

pub(crate) struct FacadeHandles {
    outcomes: [Counter; 4],
    duration: Histogram,
    in_flight: Option<Gauge>,
    /// The `calls` key's labels, to add an `error` label to.
    calls: Key,
}

impl CallSite {
    /// `name` is the function's identifier, `module` its `module_path!()`, and `locate` returns
    /// the `type_name` of an item declared in the function's body.
    pub const fn new(
        name: &'static str,
        module: &'static str,
        locate: fn() -> &'static str,
    ) -> Self {
        CallSite {
            name,
            module,
            locate,
            spec: Spec {
                family: DEFAULT_FAMILY,
                labels: &[],
                argument_labels: &[],
                buckets: None,
                in_flight: true,
            },
            function: OnceLock::new(),
            resolved: OnceLock::new(),
            off: AtomicBool::new(false),
        }
    }

    /// The family base name (`name = "..."`), validated by the macro.
    #[must_use]
    pub const fn family(mut self, family: &'static str) -> Self {
        self.spec.family = family;
        self
    }

    /// Literal labels (`labels(stage = "extract")`).
    #[must_use]
    pub const fn labels(mut self, labels: &'static [(&'static str, &'static str)]) -> Self {
        self.spec.labels = labels;
        self
    }

    /// The names of labels whose values come from arguments, in the order of the values passed
    /// to [`CallSite::enter_with`].
    #[must_use]
    pub const fn argument_labels(mut self, names: &'static [&'static str]) -> Self {
        self.spec.argument_labels = names;
        self
    }

    /// This function's duration buckets, in seconds (with the crate's own exporter).
    #[must_use]
    pub const fn buckets(mut self, buckets: &'static [f64]) -> Self {
        self.spec.buckets = Some(buckets);
        self
    }

    /// Whether to keep the in-flight gauge.
    #[must_use]
    pub const fn in_flight(mut self, in_flight: bool) -> Self {
        self.spec.in_flight = in_flight;
        self
    }

    /// The `function` label: the name, or `Type::method` inside an impl.
    pub fn function(&'static self) -> &'static str {
        self.function
            .get_or_init(|| crate::label::function_label((self.locate)(), self.name))
    }

    /// Whether calls of this function are not recorded: metrics are disabled, or it is excluded.
    #[inline]
    pub(crate) fn is_off(&self) -> bool {
        self.off.load(Ordering::Relaxed)
    }

    /// Starts a call of a function without argument labels.
    #[inline]
    pub fn enter(&'static self) -> Guard {
        self.enter_with(&[])
    }

    /// Starts a call: the in-flight gauge goes up and the clock starts. The returned guard
    /// records the call when it is finished or dropped. `values` are the argument labels' values.
    #[inline(always)]
    pub fn enter_with(&'static self, values: &[LabelValue]) -> Guard {
        if self.is_off() {
            return Guard::inert();
        }
        self.enter_on(values)
    }

    /// [`CallSite::enter_with`] once the site is known to be on: out of line, so that what
    /// inlines into every instrumented function is the check above.
    #[inline(never)]
    pub(crate) fn enter_on(&'static self, values: &[LabelValue]) -> Guard {
        metrics::with_recorder(|recorder| {
            // The no-op recorder: nothing is installed anywhere yet.
            if size_of_val(recorder) == 0 {
                return Guard::inert();
            }
            if let Some(resolved) = self.resolved.get()
                && resolved.recorder == recorder::address(recorder)
                && let Some(handles) = resolved.slots.get(slot(values)).and_then(OnceLock::get)
            {
                return handles.as_ref().map_or_else(Guard::inert, Guard::cached);
            }
            self.enter_slow(recorder, values)
        })
    }

    #[cold]
    fn enter_slow(&'static self, recorder: &dyn Recorder, values: &[LabelValue]) -> Guard {
        match recorder::classify(recorder) {
            Active::Noop => Guard::inert(),
            Active::Global => {
                let resolved = self
                    .resolved
                    .get_or_init(|| self.resolve_all(recorder, values));
                let handles = resolved.slots.get(slot(values)).map(|handles| {
                    handles.get_or_init(|| {
                        self.resolve(recorder, &combination(values, slot(values)), true)
                    })
                });
                handles
                    .and_then(Option::as_ref)
                    .map_or_else(Guard::inert, Guard::cached)
            }
            Active::Local => {
                let handles = self.resolve(recorder, &combination(values, slot(values)), false);
                handles.map_or_else(Guard::inert, Guard::owned)
            }
        }
    }

    /// Switches an excluded call site off, and registers the others' series with the installed
    /// exporter before their first call, when they are known without one: sites with argument
    /// labels learn the value sets from their first call, and register every combination then.
    #[cfg(feature = "exporter")]
    pub(crate) fn preregister(&'static self) {
        if settings::is_excluded(self.function()) {
            self.off.store(true, Ordering::Relaxed);
            return;
        }
        if !self.spec.argument_labels.is_empty() {
            return;
        }
        let (Some(registry), Some(global)) = (series::registry(), recorder::global()) else {
            return;
        };
        self.resolved.get_or_init(|| Resolved {
            recorder: global,
            slots: Box::new([OnceLock::from(Some(self.own(registry, &[])))]),
        });
    }

    /// Resolves every combination of argument label values against the global recorder, so
    /// each one is rendered (at zero) before it is first seen.
    fn resolve_all(&'static self, recorder: &dyn Recorder, values: &[LabelValue]) -> Resolved {
        let combinations = values
            .iter()
            .map(|value| value.values.len())
            .product::<usize>();
        let slots = (0..combinations)
            .map(|index| OnceLock::from(self.resolve(recorder, &combination(values, index), true)))
            .collect();
        Resolved {
            recorder: recorder::address(recorder),
            slots,
        }
    }

    /// Registers one combination's series; `None` when the function is excluded. With the
    /// crate's exporter installed (it is then the global recorder) these are its own series,
    /// otherwise `metrics` handles of whatever recorder is active.
    fn resolve(
        &'static self,
        recorder: &dyn Recorder,
        values: &[&'static str],
        global: bool,
    ) -> Option<Handles> {
        let function = self.function();
        // Excluded sites are switched off by `install()`; this is for calls that race with it.
        if settings::is_excluded(function) {
            return None;
        }
        if global && let Some(registry) = series::registry() {
            return Some(self.own(registry, values));
        }
        Some(Handles::Facade(self.register(
            recorder,
            self.names(),
            &self.series_labels(function, values),
        )))
    }

    /// Resolves to the installed exporter's own series.
    fn own(&'static self, registry: &'static series::Registry, values: &[&'static str]) -> Handles {
        let labels = self.series_labels(self.function(), values);
        Handles::Own(registry.register(
            self.names(),
            &labels,
            self.spec.buckets,
            self.spec.in_flight,
        ))
    }

    fn series_labels(
        &'static self,
        function: &'static str,
        values: &[&'static str],
    ) -> Vec<(&'static str, &'static str)> {
        let mut labels = vec![("function", function), ("module", self.module)];
        labels.extend(self.spec.labels.iter().copied());
        labels.extend(
            self.spec
                .argument_labels
                .iter()
                .copied()
                .zip(values.iter().copied()),
        );
        labels
    }

    fn register(
        &self,
        recorder: &dyn Recorder,
        names: Names,
        labels: &[(&'static str, &'static str)],
    ) -> FacadeHandles {
        let help = SharedString::const_str;
        let Names {
            calls,
            duration,
            in_flight,
        } = names;
        recorder.describe_counter(
            KeyName::from(calls.clone()),
            Some(Unit::Count),
            help(CALLS_HELP),
        );
        recorder.describe_histogram(
            KeyName::from(duration.clone()),
            Some(Unit::Seconds),
            help(DURATION_HELP),
        );
        let key = |name: &String, extra: Option<Label>| {
            let labels = labels
                .iter()
                .map(|(name, value)| Label::from_static_parts(name, value));
            Key::from_parts(name.clone(), labels.chain(extra).collect::<Vec<_>>())
        };
        let outcomes = Outcome::ALL.map(|outcome| {
            let result = Label::from_static_parts("result", outcome.as_str());
            recorder.register_counter(&key(&calls, Some(result)), &METADATA)
        });
        let in_flight = self.spec.in_flight.then(|| {
            recorder.describe_gauge(
                KeyName::from(in_flight.clone()),
                Some(Unit::Count),
                help(IN_FLIGHT_HELP),
            );
            recorder.register_gauge(&key(&in_flight, None), &METADATA)
        });
        FacadeHandles {
            outcomes,
            duration: recorder.register_histogram(&key(&duration, None), &METADATA),
            in_flight,
            calls: key(
                &calls,
                Some(Label::from_static_parts("result", Outcome::Error.as_str())),
            ),
        }
    }

    fn names(&self) -> Names {
        let family = format!("{}{}", settings::prefix(), self.spec.family);
        Names {
            calls: format!("{family}_total"),
            duration: format!("{family}_duration_seconds"),
            in_flight: format!("{family}_in_flight"),
        }
    }
}

/// The slot of a combination of label values: a mixed-radix number, one digit per label.
#[inline]
fn slot(values: &[LabelValue]) -> usize {
    values
        .iter()
        .fold(0, |slot, value| slot * value.values.len() + value.index)
}

/// The label values of a slot, the inverse of [`slot`].
fn combination(values: &[LabelValue], mut slot: usize) -> Vec<&'static str> {
    let mut combination: Vec<&'static str> = values
        .iter()
        .rev()
        .map(|value| {
            let size = value.values.len().max(1);
            let chosen = value.values.get(slot % size).copied().unwrap_or("unknown");
            slot /= size;
            chosen
        })
        .collect();
    combination.reverse();
    combination
}

impl Handles {
    #[inline]
    pub(crate) fn start(&self) {
        match self {
            Handles::Own(series) => series.start(),
            Handles::Facade(handles) => {
                if let Some(gauge) = &handles.in_flight {
                    gauge.increment(1.0);
                }
            }
        }
    }

    #[inline]
    pub(crate) fn finish(&self, classified: Classified, elapsed: Duration) {
        match self {
            Handles::Own(series) => series.finish(classified, elapsed),
            Handles::Facade(handles) => handles.finish(classified, elapsed),
        }
    }
}

impl FacadeHandles {
    fn finish(&self, classified: Classified, elapsed: Duration) {
        self.duration.record(elapsed.as_secs_f64());
        if let Some(gauge) = &self.in_flight {
            gauge.decrement(1.0);
        }
        match classified.error {
            // Error variants are counted as they occur: the variant set is only known from a
            // value, and errors are the rare path.
            Some(error) => metrics::with_recorder(|recorder| {
                let key = self
                    .calls
                    .with_extra_labels(vec![Label::from_static_parts("error", error.as_str())]);
                recorder.register_counter(&key, &METADATA).increment(1);
            }),
            None => self.outcomes[classified.outcome as usize].increment(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_combinations_are_inverse() {
        let first = LabelValue {
            values: &["a", "b"],
            index: 1,
        };
        let second = LabelValue {
            values: &["x", "y", "z"],
            index: 2,
        };
        let values = [first, second];
        assert_eq!(slot(&values), 5);
        assert_eq!(combination(&values, 5), ["b", "z"]);
        assert_eq!(combination(&values, 0), ["a", "x"]);
        assert_eq!(slot(&[]), 0);
        assert!(combination(&[], 0).is_empty());
    }
}

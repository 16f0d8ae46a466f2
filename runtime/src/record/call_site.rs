//! One `static` per instrumented function: what it records, and the handles cached for the
//! global recorder.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use metrics::Recorder;

use super::guard::Guard;
use super::handles::{FacadeHandles, Handles};
use super::recorder::{self, Active};
use super::{function_label, settings};
use crate::exposition::{self, CallSeries, FamilyNames, Registry};
use crate::model::LabelValue;
use crate::model::names::{DEFAULT_FAMILY, label};

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
    /// The installed exporter's series, for a site without argument labels once resolved:
    /// every later call under the global recorder goes straight to it.
    own: OnceLock<&'static CallSeries>,
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
            own: OnceLock::new(),
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
            .get_or_init(|| function_label::function_label((self.locate)(), self.name))
    }

    /// Switches this call site off (`ENABLE_METRICS=false`, or the function is excluded), so that
    /// each call costs one load.
    #[cfg(feature = "exporter")]
    pub(crate) fn switch_off(&self) {
        self.off.store(true, Ordering::Relaxed);
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

    /// [`CallSite::enter_with`] once the site is known to be on. `values` is empty exactly when
    /// the function has no argument labels, which the expansion knows, so one branch remains.
    #[inline(always)]
    pub(crate) fn enter_on(&'static self, values: &[LabelValue]) -> Guard {
        if values.is_empty() {
            self.enter_unlabelled()
        } else {
            self.enter_resolved(values)
        }
    }

    /// A call of a function without argument labels. Once resolved under the global recorder,
    /// it goes straight to the exporter's series: one recorder check, no lookup. Out of line, as
    /// the others, so that what inlines into every instrumented function stays a few branches.
    #[inline(never)]
    fn enter_unlabelled(&'static self) -> Guard {
        if let Some(series) = self.own.get()
            && recorder::global_is_active()
        {
            return Guard::series(series);
        }
        self.enter_resolved(&[])
    }

    /// A call resolved against whichever recorder is active: the cached handles of the global
    /// one, or handles resolved for this call.
    #[inline(never)]
    fn enter_resolved(&'static self, values: &[LabelValue]) -> Guard {
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
                self.remember_own(handles);
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
            self.switch_off();
            return;
        }
        if !self.spec.argument_labels.is_empty() {
            return;
        }
        let (Some(registry), Some(global)) = (exposition::registry(), recorder::global()) else {
            return;
        };
        let resolved = self.resolved.get_or_init(|| Resolved {
            recorder: global,
            slots: Box::new([OnceLock::from(Some(self.own(registry, &[])))]),
        });
        self.remember_own(resolved.slots.first().and_then(OnceLock::get));
    }

    /// Keeps the exporter's series of a site without argument labels for
    /// [`CallSite::enter_unlabelled`]; `handles` were resolved for the global recorder.
    fn remember_own(&self, handles: Option<&Option<Handles>>) {
        if self.spec.argument_labels.is_empty()
            && let Some(Some(Handles::Own(series))) = handles
        {
            self.own.get_or_init(|| series);
        }
    }

    /// Resolves every combination of argument label values against the global recorder, so
    /// each one is rendered (at zero) before it is first seen.
    fn resolve_all(&'static self, recorder: &dyn Recorder, values: &[LabelValue]) -> Resolved {
        let combinations = values
            .iter()
            .map(|value| value.values().len())
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
        if global && let Some(registry) = exposition::registry() {
            return Some(self.own(registry, values));
        }
        Some(Handles::Facade(FacadeHandles::register(
            recorder,
            &self.names(),
            &self.series_labels(function, values),
            self.spec.in_flight,
        )))
    }

    /// Resolves to the installed exporter's own series.
    fn own(&'static self, registry: &'static Registry, values: &[&'static str]) -> Handles {
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
        let mut labels = vec![(label::FUNCTION, function), (label::MODULE, self.module)];
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

    fn names(&self) -> FamilyNames {
        FamilyNames::new(&settings::prefix(), self.spec.family)
    }
}

/// The slot of a combination of label values: a mixed-radix number, one digit per label.
#[inline]
fn slot(values: &[LabelValue]) -> usize {
    values
        .iter()
        .fold(0, |slot, value| slot * value.values().len() + value.index())
}

/// The label values of a slot, the inverse of [`slot`].
fn combination(values: &[LabelValue], mut slot: usize) -> Vec<&'static str> {
    let mut combination: Vec<&'static str> = values
        .iter()
        .rev()
        .map(|value| {
            let size = value.values().len().max(1);
            let chosen = value
                .values()
                .get(slot % size)
                .copied()
                .unwrap_or("unknown");
            slot /= size;
            chosen
        })
        .collect();
    combination.reverse();
    combination
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_combinations_are_inverse() {
        let first = LabelValue::of(&true);
        let second = LabelValue::of(&std::cmp::Ordering::Greater);
        let values = [first, second];
        assert_eq!(slot(&values), 5);
        assert_eq!(combination(&values, 5), ["true", "greater"]);
        assert_eq!(combination(&values, 0), ["false", "less"]);
        assert_eq!(slot(&[]), 0);
        assert!(combination(&[], 0).is_empty());
    }
}

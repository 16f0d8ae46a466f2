//! One `static` per instrumented function: its names, and the handles cached for the global
//! recorder.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics::{
    Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, SharedString, Unit,
};

use crate::guard::Guard;
use crate::outcome::Outcome;
use crate::recorder::{self, Active};
use crate::series::{self, CallSeries, Names};
use crate::settings;

/// Set by `install()` when `ENABLE_METRICS` is false: every call site then costs one load.
static DISABLED: AtomicBool = AtomicBool::new(false);

#[cfg(feature = "exporter")]
pub(crate) fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

const DEFAULT_FAMILY: &str = "function_calls";

pub(crate) const CALLS_HELP: &str =
    "Calls of instrumented functions, by outcome (ok, error, panic, cancelled).";
pub(crate) const DURATION_HELP: &str = "Duration of calls of instrumented functions, in seconds.";
pub(crate) const IN_FLIGHT_HELP: &str = "Calls of instrumented functions currently running.";

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Where an instrumented function is, and its handles once a global recorder exists.
///
/// The macro places one in a `static` inside each instrumented function.
pub struct CallSite {
    name: &'static str,
    module: &'static str,
    /// `type_name` of an item declared inside the function: its path, with the impl's type.
    locate: fn() -> &'static str,
    function: OnceLock<String>,
    resolved: OnceLock<Resolved>,
}

/// A call site resolved against the global recorder, which is set once and never freed, so its
/// address identifies it for the rest of the process.
struct Resolved {
    recorder: usize,
    /// `None` when the function is excluded from recording.
    handles: Option<Handles>,
}

/// Where one call site records.
pub(crate) enum Handles {
    /// Into the installed exporter's own series: direct atomics.
    Own(&'static CallSeries),
    /// Into any other recorder, through `metrics` handles.
    Facade(FacadeHandles),
}

pub(crate) struct FacadeHandles {
    outcomes: [Counter; 4],
    duration: Histogram,
    in_flight: Gauge,
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
            function: OnceLock::new(),
            resolved: OnceLock::new(),
        }
    }

    /// The `function` label: the name, or `Type::method` inside an impl.
    pub fn function(&'static self) -> &'static str {
        self.function
            .get_or_init(|| crate::label::function_label((self.locate)(), self.name))
    }

    /// Starts a call: the in-flight gauge goes up and the clock starts. The returned guard
    /// records the call when it is finished or dropped.
    #[inline]
    pub fn enter(&'static self) -> Guard {
        if DISABLED.load(Ordering::Relaxed) {
            return Guard::inert();
        }
        metrics::with_recorder(|recorder| match self.resolved.get() {
            Some(resolved) if resolved.recorder == recorder::address(recorder) => resolved
                .handles
                .as_ref()
                .map_or_else(Guard::inert, Guard::cached),
            _ => self.enter_slow(recorder),
        })
    }

    #[cold]
    fn enter_slow(&'static self, recorder: &dyn Recorder) -> Guard {
        match recorder::classify(recorder) {
            Active::Noop => Guard::inert(),
            Active::Global => {
                let resolved = self.resolved.get_or_init(|| Resolved {
                    recorder: recorder::address(recorder),
                    handles: self.resolve_global(recorder),
                });
                resolved
                    .handles
                    .as_ref()
                    .map_or_else(Guard::inert, Guard::cached)
            }
            Active::Local => self
                .resolve(recorder)
                .map_or_else(Guard::inert, Guard::owned),
        }
    }

    /// Against the global recorder: the exporter's own series once it is installed (it is then
    /// the global recorder), `metrics` handles otherwise.
    fn resolve_global(&'static self, recorder: &dyn Recorder) -> Option<Handles> {
        let Some(registry) = series::registry() else {
            return self.resolve(recorder);
        };
        let function = self.function();
        if settings::is_excluded(function) {
            return None;
        }
        let labels = [("function", function), ("module", self.module)];
        Some(Handles::Own(registry.register(self.names(), &labels)))
    }

    fn names(&self) -> Names {
        let family = format!("{}{DEFAULT_FAMILY}", settings::prefix());
        Names {
            calls: format!("{family}_total"),
            duration: format!("{family}_duration_seconds"),
            in_flight: format!("{family}_in_flight"),
        }
    }

    /// Registers the call site's series through `metrics`; `None` when its function is excluded.
    fn resolve(&'static self, recorder: &dyn Recorder) -> Option<Handles> {
        let function = self.function();
        if settings::is_excluded(function) {
            return None;
        }
        let Names {
            calls,
            duration,
            in_flight,
        } = self.names();
        let help = SharedString::const_str;
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
        recorder.describe_gauge(
            KeyName::from(in_flight.clone()),
            Some(Unit::Count),
            help(IN_FLIGHT_HELP),
        );

        let base = [
            Label::from_static_parts("function", function),
            Label::from_static_parts("module", self.module),
        ];
        let key = |name: &String, extra: Option<Label>| {
            Key::from_parts(
                name.clone(),
                base.iter().cloned().chain(extra).collect::<Vec<_>>(),
            )
        };
        let outcomes = Outcome::ALL.map(|outcome| {
            let result = Label::from_static_parts("result", outcome.as_str());
            recorder.register_counter(&key(&calls, Some(result)), &METADATA)
        });
        Some(Handles::Facade(FacadeHandles {
            outcomes,
            duration: recorder.register_histogram(&key(&duration, None), &METADATA),
            in_flight: recorder.register_gauge(&key(&in_flight, None), &METADATA),
        }))
    }
}

impl Handles {
    #[inline]
    pub(crate) fn start(&self) {
        match self {
            Handles::Own(series) => series.start(),
            Handles::Facade(handles) => handles.in_flight.increment(1.0),
        }
    }

    #[inline]
    pub(crate) fn finish(&self, outcome: Outcome, elapsed: Duration) {
        match self {
            Handles::Own(series) => series.finish(outcome, elapsed),
            Handles::Facade(handles) => {
                handles.duration.record(elapsed.as_secs_f64());
                handles.in_flight.decrement(1.0);
                handles.outcomes[outcome as usize].increment(1);
            }
        }
    }
}

//! Where one call site records, for one combination of label values: straight into the installed
//! exporter's series, or through `metrics` handles of any other recorder.

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, Unit};

use super::classify::Classified;
use crate::exposition::{CallSeries, FamilyNames};
use crate::model::Outcome;
use crate::model::names::{CALLS_HELP, DURATION_HELP, IN_FLIGHT_HELP, label};

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

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

    /// Out of line: the common case, a site without argument labels, records through
    /// [`CallSeries::finish`] inlined into the guard instead.
    #[inline(never)]
    pub(crate) fn finish(&self, classified: Classified, nanos: u64) {
        match self {
            Handles::Own(series) => series.finish(classified.outcome(), classified.error(), nanos),
            Handles::Facade(handles) => handles.finish(classified, nanos),
        }
    }
}

impl FacadeHandles {
    /// Describes the families and registers one combination's series with `recorder`.
    pub(crate) fn register(
        recorder: &dyn Recorder,
        names: &FamilyNames,
        labels: &[(&'static str, &'static str)],
        in_flight: bool,
    ) -> FacadeHandles {
        let help = metrics::SharedString::const_str;
        let describe = |name: &str| KeyName::from(name.to_owned());
        recorder.describe_counter(describe(names.calls()), Some(Unit::Count), help(CALLS_HELP));
        recorder.describe_histogram(
            describe(names.duration()),
            Some(Unit::Seconds),
            help(DURATION_HELP),
        );
        let key = |name: &str, extra: Option<Label>| {
            let labels = labels
                .iter()
                .map(|(name, value)| Label::from_static_parts(name, value));
            Key::from_parts(name.to_owned(), labels.chain(extra).collect::<Vec<_>>())
        };
        let result = |outcome: Outcome| Label::from_static_parts(label::RESULT, outcome.as_str());
        let outcomes = Outcome::ALL.map(|outcome| {
            recorder.register_counter(&key(names.calls(), Some(result(outcome))), &METADATA)
        });
        let in_flight = in_flight.then(|| {
            recorder.describe_gauge(
                describe(names.in_flight()),
                Some(Unit::Count),
                help(IN_FLIGHT_HELP),
            );
            recorder.register_gauge(&key(names.in_flight(), None), &METADATA)
        });
        FacadeHandles {
            outcomes,
            duration: recorder.register_histogram(&key(names.duration(), None), &METADATA),
            in_flight,
            calls: key(names.calls(), Some(result(Outcome::Error))),
        }
    }

    fn finish(&self, classified: Classified, nanos: u64) {
        self.duration.record(nanos as f64 / 1e9);
        if let Some(gauge) = &self.in_flight {
            gauge.decrement(1.0);
        }
        match classified.error() {
            // Error variants are counted as they occur: the variant set is only known from a
            // value, and errors are the rare path.
            Some(error) => metrics::with_recorder(|recorder| {
                let error = Label::from_static_parts(label::ERROR, error.as_str());
                let key = self.calls.with_extra_labels(vec![error]);
                recorder.register_counter(&key, &METADATA).increment(1);
            }),
            None => self.outcomes[classified.outcome() as usize].increment(1),
        }
    }
}

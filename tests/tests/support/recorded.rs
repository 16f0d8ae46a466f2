//! What a `metrics_util` debugging recorder saw, flattened for assertions.

use std::collections::BTreeMap;

use metrics_util::debugging::{DebugValue, Snapshot};
use metrics_util::{CompositeKey, MetricKind};

/// One entry of a debugging-recorder snapshot.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub kind: MetricKind,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub description: Option<String>,
    pub value: RecordedValue,
}

/// The value of a [`Recorded`] metric.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedValue {
    Counter(u64),
    Gauge(f64),
    Histogram(Vec<f64>),
}

/// Flattens a snapshot. Taking a snapshot resets the recorder's values, so take one per check.
pub fn recorded(snapshot: Snapshot) -> Vec<Recorded> {
    snapshot
        .into_vec()
        .into_iter()
        .map(
            |(key, _unit, description, value): (CompositeKey, _, _, DebugValue)| {
                let labels = key
                    .key()
                    .labels()
                    .map(|label| (label.key().to_owned(), label.value().to_owned()))
                    .collect();
                Recorded {
                    kind: key.kind(),
                    name: key.key().name().to_owned(),
                    labels,
                    description: description.map(|text| text.to_string()),
                    value: match value {
                        DebugValue::Counter(count) => RecordedValue::Counter(count),
                        DebugValue::Gauge(gauge) => RecordedValue::Gauge(gauge.into_inner()),
                        DebugValue::Histogram(values) => RecordedValue::Histogram(
                            values.into_iter().map(|value| value.into_inner()).collect(),
                        ),
                    },
                }
            },
        )
        .collect()
}

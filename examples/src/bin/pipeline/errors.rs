//! How a stage or a run fails: the stages' `StageError`, whose variants are the `error` label,
//! and the run's `PipelineError`.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use instrument_metrics::MetricLabel;

/// A failed stage, as its `Err`. As a `MetricLabel`, each variant is an `error` label value: a
/// fixed set, whatever the fields hold (batch ids and reasons stay out of the labels).
#[derive(Debug, MetricLabel)]
pub(crate) enum StageError {
    #[metric_label(rename = "timeout")]
    SourceTimeout { batch: u64, after: Duration },
    #[metric_label(rename = "bad_input")]
    Malformed {
        batch: u64,
        line: usize,
        reason: String,
    },
    #[metric_label(rename = "unavailable")]
    SinkRejected { orders: usize, reason: &'static str },
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageError::SourceTimeout { batch, after } => write!(
                f,
                "extract: source timed out after {after:?} on batch {batch}"
            ),
            StageError::Malformed {
                batch,
                line,
                reason,
            } => write!(f, "transform: batch {batch}, line {line}: {reason}"),
            StageError::SinkRejected { orders, reason } => {
                write!(f, "load: warehouse rejected {orders} orders: {reason}")
            }
        }
    }
}

impl std::error::Error for StageError {}

/// A failed run: a stage returned an error, or panicked.
#[derive(Debug)]
pub(crate) enum PipelineError {
    Stage(StageError),
    Panicked {
        stage: &'static str,
        message: String,
    },
    Cancelled {
        stage: &'static str,
    },
}

impl PipelineError {
    pub(crate) fn from_join(stage: &'static str, joined: tokio::task::JoinError) -> PipelineError {
        match joined.try_into_panic() {
            Ok(payload) => PipelineError::Panicked {
                stage,
                message: panic_message(payload.as_ref()),
            },
            Err(_) => PipelineError::Cancelled { stage },
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl From<StageError> for PipelineError {
    fn from(error: StageError) -> Self {
        PipelineError::Stage(error)
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Stage(error) => error.fmt(f),
            PipelineError::Panicked { stage, message } => write!(f, "{stage} panicked: {message}"),
            PipelineError::Cancelled { stage } => write!(f, "{stage} was cancelled"),
        }
    }
}

impl std::error::Error for PipelineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PipelineError::Stage(error) => Some(error),
            PipelineError::Panicked { .. } | PipelineError::Cancelled { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_errors_label_by_variant() {
        assert_eq!(StageError::VALUES, ["timeout", "bad_input", "unavailable"]);
        let rejected = StageError::SinkRejected {
            orders: 3,
            reason: "full",
        };
        assert_eq!(rejected.label(), "unavailable");
    }
}

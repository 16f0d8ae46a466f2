//! Errors that are `MetricLabel`s: `Result<T, E>`, aliases, `async fn`s and `impl Future` all
//! label their error series with the variant; other error types still compile as before.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::future::Future;

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(Debug, MetricLabel)]
enum StageError {
    Timeout,
    BadInput(String),
    Unavailable { retry_in_ms: u64 },
}

type StageResult<T> = Result<T, StageError>;

#[instrument_metrics(name = "pipeline_stage", labels(stage = "extract"))]
fn extract(fail: u8) -> Result<u8, StageError> {
    match fail {
        0 => Ok(1),
        1 => Err(StageError::Timeout),
        2 => Err(StageError::BadInput("line 3".to_owned())),
        _ => Err(StageError::Unavailable { retry_in_ms: 50 }),
    }
}

#[instrument_metrics]
fn aliased(fail: bool) -> StageResult<u8> {
    if fail {
        Err(StageError::Timeout)
    } else {
        Ok(2)
    }
}

#[instrument_metrics(labels(stage = "load"))]
async fn load(fail: bool) -> StageResult<u8> {
    if fail {
        return Err(StageError::Unavailable { retry_in_ms: 10 });
    }
    Ok(3)
}

#[instrument_metrics(labels(stage = "transform"))]
fn transform(fail: bool) -> impl Future<Output = Result<u8, StageError>> {
    async move {
        if fail {
            Err(StageError::BadInput("x".to_owned()))
        } else {
            Ok(4)
        }
    }
}

/// `?` inside converts into the label enum as usual.
#[instrument_metrics]
fn with_question_mark(input: &str) -> Result<u8, StageError> {
    let value: u8 = input
        .parse()
        .map_err(|_| StageError::BadInput(input.to_owned()))?;
    Ok(value)
}

/// A reference to a label type is a label type too.
#[instrument_metrics]
fn borrowed_error(errors: &[StageError]) -> Result<(), &StageError> {
    errors.first().map_or(Ok(()), Err)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for fail in 0..4 {
        assert_eq!(extract(fail).is_err(), fail > 0);
    }
    assert!(aliased(true).is_err());
    assert_eq!(runtime.block_on(load(false)).unwrap(), 3);
    assert!(runtime.block_on(load(true)).is_err());
    assert!(runtime.block_on(transform(true)).is_err());
    assert_eq!(with_question_mark("7").unwrap(), 7);
    assert!(matches!(
        with_question_mark("x"),
        Err(StageError::BadInput(input)) if input == "x"
    ));
    assert!(borrowed_error(&[StageError::Timeout]).is_err());
    assert!(matches!(
        extract(3),
        Err(StageError::Unavailable { retry_in_ms: 50 })
    ));
    assert_eq!(StageError::VALUES, ["timeout", "bad_input", "unavailable"]);
}

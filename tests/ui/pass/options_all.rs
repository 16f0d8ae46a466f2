//! Every option at once, on a sync function, an `async fn` and an impl block, with every
//! argument label type and an error enum.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(Clone, Copy, MetricLabel)]
enum Kind {
    Full,
    Incremental,
}

#[derive(Debug, MetricLabel)]
enum StageError {
    Timeout,
    BadInput(String),
}

#[instrument_metrics(
    name = "pipeline_stage",
    labels(pipeline = "ingest", stage = "extract", kind, dry_run),
    buckets = [0.001, 0.01, 0.1, 1],
    in_flight = false,
    crate = ::instrument_metrics,
)]
fn extract(kind: Kind, dry_run: bool) -> Result<u8, StageError> {
    match (kind, dry_run) {
        (Kind::Full, false) => Ok(1),
        (Kind::Full, true) => Err(StageError::Timeout),
        (Kind::Incremental, _) => Err(StageError::BadInput("empty".to_owned())),
    }
}

#[instrument_metrics(
    name = "pipeline_stage",
    labels(pipeline = "ingest", stage = "load", kind),
    buckets = [0.01, 0.1],
)]
async fn load(kind: Kind) -> Result<u8, StageError> {
    tokio::task::yield_now().await;
    match kind {
        Kind::Full => Ok(2),
        Kind::Incremental => Err(StageError::Timeout),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(extract(Kind::Full, false).unwrap(), 1);
    assert!(extract(Kind::Full, true).is_err());
    assert!(matches!(
        extract(Kind::Incremental, false),
        Err(StageError::BadInput(reason)) if reason == "empty"
    ));
    assert_eq!(runtime.block_on(load(Kind::Full)).unwrap(), 2);
    assert!(runtime.block_on(load(Kind::Incremental)).is_err());
}

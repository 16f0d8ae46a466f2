//! `in_flight = false` drops the gauge; `in_flight = true` is the default, written out.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

#[instrument_metrics(in_flight = false)]
fn without_gauge() -> u8 {
    1
}

#[instrument_metrics(in_flight = true)]
fn with_gauge() -> u8 {
    2
}

#[instrument_metrics(in_flight = false, labels(stage = "load"))]
async fn async_without_gauge() -> u8 {
    3
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(without_gauge(), 1);
    assert_eq!(with_gauge(), 2);
    assert_eq!(runtime.block_on(async_without_gauge()), 3);
}

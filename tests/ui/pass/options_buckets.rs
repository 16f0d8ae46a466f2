//! `buckets = [..]`: integer and float literals, exponents, one bound or many.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

#[instrument_metrics(buckets = [0.001, 0.01, 0.1, 1.0])]
fn fast() -> u8 {
    1
}

#[instrument_metrics(buckets = [1, 2.5, 10, 1e2])]
async fn slow() -> u8 {
    2
}

#[instrument_metrics(buckets = [0.5])]
fn one_bound() -> u8 {
    3
}

/// A trailing comma is fine.
#[instrument_metrics(buckets = [0.25, 0.5,], name = "half_second")]
fn trailing_comma() -> u8 {
    4
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(fast(), 1);
    assert_eq!(runtime.block_on(slow()), 2);
    assert_eq!(one_bound(), 3);
    assert_eq!(trailing_comma(), 4);
}

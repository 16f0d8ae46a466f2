//! The attribute keeps the user's tokens and spans: lints on the body still fire, on the user's
//! code, and nothing else is reported.
#![deny(unused_variables, unused_mut, unreachable_code)]

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn sync_body(input: u32) -> u32 {
    let unused = input;
    let mut never_mutated = 1;
    never_mutated + 1
}

#[instrument_metrics]
async fn async_body() -> u32 {
    return 1;
    2
}

fn main() {
    let _ = sync_body(1);
    let _ = async_body();
}

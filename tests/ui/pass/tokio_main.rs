//! `#[tokio::main]` and `#[instrument_metrics]` together, in either order.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
async fn work(x: u32) -> Result<u32, String> {
    tokio::task::yield_now().await;
    Ok(x)
}

/// Expanded by tokio first: the attribute sees a sync function that blocks on the runtime.
#[tokio::main(flavor = "current_thread")]
#[instrument_metrics]
async fn tokio_outside() -> Result<u32, String> {
    work(1).await
}

/// Expanded by the attribute first: tokio then runs the instrumented `async fn`.
#[instrument_metrics]
#[tokio::main(flavor = "current_thread")]
async fn tokio_inside() -> Result<u32, String> {
    work(2).await
}

fn main() {
    assert_eq!(tokio_outside(), Ok(1));
    assert_eq!(tokio_inside(), Ok(2));
}

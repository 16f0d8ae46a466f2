use std::time::Duration;

use instrument_metrics::{Objective, instrument_metrics};

const CHECKOUT: Objective = Objective::new("checkout")
    .success_rate(99.9)
    .latency(Duration::from_millis(200), 99.0);

#[instrument_metrics(buckets = [0.1, 0.25, 1.0], objective = CHECKOUT)]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

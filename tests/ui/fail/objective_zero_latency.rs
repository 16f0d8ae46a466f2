use std::time::Duration;

use instrument_metrics::Objective;

const INSTANT: Objective = Objective::new("instant").latency(Duration::ZERO, 99.0);

fn main() {
    let _ = INSTANT;
}

use std::time::Duration;

use instrument_metrics::{Objective, instrument_metrics};

const CHECKOUT: Objective = Objective::new("checkout").latency(Duration::from_millis(250), 99.0);
const SEARCH: Objective = Objective::new("search").success_rate(99.0);

#[instrument_metrics(objective = CHECKOUT, objective = SEARCH)]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

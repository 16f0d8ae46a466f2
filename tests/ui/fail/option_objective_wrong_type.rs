use instrument_metrics::instrument_metrics;

const CHECKOUT: f64 = 99.9;

#[instrument_metrics(objective = CHECKOUT)]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(objective = instrument_metrics::Objective::new("checkout").success_rate(99.0))]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

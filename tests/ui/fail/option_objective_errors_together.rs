use instrument_metrics::instrument_metrics;

#[instrument_metrics(objective = "checkout", last_success = "15x", buckets = [0.1, 0.05])]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

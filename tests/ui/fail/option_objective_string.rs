use instrument_metrics::instrument_metrics;

#[instrument_metrics(objective = "checkout")]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

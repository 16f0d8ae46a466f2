use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "pipeline:stage")]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

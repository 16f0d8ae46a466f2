use instrument_metrics::instrument_metrics;

#[instrument_metrics(in_flight = "no")]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

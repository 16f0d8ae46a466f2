use instrument_metrics::instrument_metrics;

#[instrument_metrics(bucket = [0.01, 0.1])]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

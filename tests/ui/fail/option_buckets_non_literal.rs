use instrument_metrics::instrument_metrics;

const SLOW: f64 = 5.0;

#[instrument_metrics(buckets = [0.1, 1.0, SLOW])]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

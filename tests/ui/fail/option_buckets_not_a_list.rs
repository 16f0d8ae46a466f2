use instrument_metrics::instrument_metrics;

const BUCKETS: [f64; 2] = [0.1, 1.0];

#[instrument_metrics(buckets = BUCKETS)]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

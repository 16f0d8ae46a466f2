use instrument_metrics::instrument_metrics;

#[instrument_metrics(buckets = [-0.5, 0.1, 1.0])]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(buckets = [])]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "extract_latency_seconds")]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

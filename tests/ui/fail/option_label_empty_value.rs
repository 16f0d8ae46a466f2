use instrument_metrics::instrument_metrics;

#[instrument_metrics(labels(pipeline = "ingest", stage = ""))]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

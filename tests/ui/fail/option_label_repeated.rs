use instrument_metrics::instrument_metrics;

#[instrument_metrics(labels(stage = "extract", pipeline = "ingest", stage = "load"))]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

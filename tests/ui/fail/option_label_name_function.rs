use instrument_metrics::instrument_metrics;

#[instrument_metrics(labels(function = "extract"))]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

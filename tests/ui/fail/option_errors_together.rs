use instrument_metrics::instrument_metrics;

#[instrument_metrics(
    name = "stage_total",
    labels(le = "fast", stage = "extract", stage = "load"),
    buckets = [1.0, 0.5],
    in_flight = false,
)]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "2nd_stage")]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

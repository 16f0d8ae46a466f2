use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "pipeline_stage_total")]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "pipeline_stage", name = "pipeline_step")]
fn extract() -> u32 {
    1
}

fn main() {
    let _ = extract();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "durée_totale")]
fn measure() -> u32 {
    1
}

fn main() {
    let _ = measure();
}

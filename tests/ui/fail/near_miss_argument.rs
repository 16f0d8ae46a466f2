use instrument_metrics::instrument_metrics;

#[instrument_metrics(craet = instrument_metrics)]
fn handler() -> u32 {
    1
}

fn main() {
    let _ = handler();
}

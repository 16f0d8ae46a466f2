use instrument_metrics::instrument_metrics;

#[instrument_metrics(crate = ::instrument_metrics, crate = instrument_metrics)]
fn handler() -> u32 {
    1
}

fn main() {
    let _ = handler();
}

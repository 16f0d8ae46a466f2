use instrument_metrics::instrument_metrics;

#[instrument_metrics(nmae = "x")]
fn handler() -> u32 {
    1
}

fn main() {
    let _ = handler();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(nmae = "x", crate = instrument_metrics, labels(a = "b"), crate = instrument_metrics)]
const fn answer() -> u32 {
    42
}

fn main() {
    let _ = answer();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
const fn answer() -> u32 {
    42
}

fn main() {
    let _ = answer();
}

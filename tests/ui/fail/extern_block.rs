use instrument_metrics::instrument_metrics;

#[instrument_metrics]
unsafe extern "C" {
    safe fn abs(input: i32) -> i32;
}

fn main() {
    let _ = abs(-1);
}

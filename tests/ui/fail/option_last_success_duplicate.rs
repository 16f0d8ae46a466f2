use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success, last_success = "15m")]
fn sweep() {}

fn main() {
    sweep();
}

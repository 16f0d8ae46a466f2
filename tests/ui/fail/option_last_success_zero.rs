use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success = "0m")]
fn sweep() {}

fn main() {
    sweep();
}

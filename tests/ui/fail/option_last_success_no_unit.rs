use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success = "900")]
fn sweep() {}

fn main() {
    sweep();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success = true)]
fn sweep() {}

fn main() {
    sweep();
}

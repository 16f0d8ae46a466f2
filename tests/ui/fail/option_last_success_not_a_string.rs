use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success = 15)]
fn sweep() {}

fn main() {
    sweep();
}

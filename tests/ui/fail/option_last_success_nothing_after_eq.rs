use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success =)]
fn sweep() {}

fn main() {
    sweep();
}

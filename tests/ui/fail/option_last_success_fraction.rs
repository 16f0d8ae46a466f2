use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success = "1.5h")]
fn sweep() {}

fn main() {
    sweep();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(last_success = "15min")]
fn sweep() {}

fn main() {
    sweep();
}

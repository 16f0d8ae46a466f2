use instrument_metrics::instrument_metrics;

// A Rust identifier may be Unicode; a Prometheus label name may not, and one such label fails
// the whole scrape.
#[instrument_metrics(labels(café = "paris"))]
fn order() -> u32 {
    1
}

fn main() {
    let _ = order();
}

use instrument_metrics::instrument_metrics;

#[instrument_metrics(labels(path))]
fn serve(path: &str) -> usize {
    path.len()
}

fn main() {
    let _ = serve("/users/42");
}

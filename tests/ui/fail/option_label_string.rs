use instrument_metrics::instrument_metrics;

#[instrument_metrics(labels(user = user_id))]
fn load_user(user_id: String) -> usize {
    user_id.len()
}

fn main() {
    let _ = load_user("u-1".to_owned());
}

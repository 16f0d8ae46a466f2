use instrument_metrics::instrument_metrics;

#[instrument_metrics(labels(shard = shard_id))]
fn compact(shard_id: u64) -> u64 {
    shard_id
}

fn main() {
    let _ = compact(7);
}

use instrument_metrics::{MetricLabel, instrument_metrics};

// The string form of `crate` holds a path, as in serde and tokio; a crate's name in Cargo.toml
// may have `-`, its path in Rust code has `_`.
#[instrument_metrics(crate = "instrument-metrics")]
fn dashed() -> u32 {
    1
}

#[instrument_metrics(crate = "")]
fn empty() -> u32 {
    1
}

#[derive(MetricLabel)]
#[metric_label(crate = "instrument_metrics::")]
enum Tier {
    Hot,
}

fn main() {
    let _ = dashed() + empty();
    let _ = Tier::Hot;
}

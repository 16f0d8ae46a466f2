use instrument_metrics::instrument_metrics;

/// A documented struct.
#[instrument_metrics]
#[derive(Debug)]
pub struct Settings {
    limit: u32,
}

fn main() {
    let settings = Settings { limit: 1 };
    let _ = settings.limit;
}

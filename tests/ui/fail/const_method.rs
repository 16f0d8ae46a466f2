use instrument_metrics::instrument_metrics;

struct Config;

impl Config {
    #[instrument_metrics]
    pub const fn limit(&self) -> u32 {
        42
    }
}

fn main() {
    let _ = Config.limit();
}

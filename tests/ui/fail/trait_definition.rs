use instrument_metrics::instrument_metrics;

#[instrument_metrics]
pub trait Repository {
    fn load(&self) -> u32;
}

struct Memory;

impl Repository for Memory {
    fn load(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Memory.load();
}

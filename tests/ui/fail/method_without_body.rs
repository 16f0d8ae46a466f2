use instrument_metrics::instrument_metrics;

trait Repository {
    #[instrument_metrics]
    fn load(&self) -> u32;

    #[instrument_metrics]
    fn count(&self) -> usize {
        1
    }
}

struct Memory;

impl Repository for Memory {
    fn load(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Memory.load() as usize + Memory.count();
}

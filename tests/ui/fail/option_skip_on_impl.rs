use instrument_metrics::instrument_metrics;

struct Stage;

#[instrument_metrics(skip)]
impl Stage {
    fn run(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Stage.run();
}

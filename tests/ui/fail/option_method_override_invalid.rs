use instrument_metrics::instrument_metrics;

struct Stage;

#[instrument_metrics(name = "pipeline_stage", labels(stage = "run"))]
impl Stage {
    fn run(&self) -> u32 {
        1
    }

    #[instrument_metrics(labels(result = "fine"))]
    fn check(&self) -> u32 {
        2
    }
}

fn main() {
    let _ = Stage.run() + Stage.check();
}

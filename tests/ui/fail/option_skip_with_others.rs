use instrument_metrics::instrument_metrics;

struct Stage;

#[instrument_metrics(name = "pipeline_stage")]
impl Stage {
    fn run(&self) -> u32 {
        1
    }

    #[instrument_metrics(skip, name = "pipeline_helper")]
    fn helper(&self) -> u32 {
        2
    }
}

fn main() {
    let _ = Stage.run() + Stage.helper();
}

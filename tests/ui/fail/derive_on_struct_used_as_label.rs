use instrument_metrics::{MetricLabel, instrument_metrics};

// A struct is not a fixed set of values: the derive says so once, and the uses of the struct as
// a label value or an error type add no errors of their own.
#[derive(Debug, MetricLabel)]
struct Stage {
    name: &'static str,
}

#[instrument_metrics(labels(stage = stage))]
fn run(stage: &Stage) -> Result<usize, Stage> {
    Ok(stage.name.len())
}

fn main() {
    let _ = run(&Stage { name: "extract" });
}

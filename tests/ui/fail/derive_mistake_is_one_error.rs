use instrument_metrics::{MetricLabel, instrument_metrics};

// One mistake in the derive is one error: the enum is still a `MetricLabel` (a placeholder), so
// its uses as a label value and as an error type add nothing.
#[derive(Debug, MetricLabel)]
enum JobKind {
    Full,
    #[metric_label(rename = "full")]
    Complete,
    Incremental,
}

#[instrument_metrics(labels(kind = kind))]
fn run(kind: &JobKind) -> Result<u32, JobKind> {
    match kind {
        JobKind::Full => Ok(1),
        JobKind::Complete => Ok(2),
        JobKind::Incremental => Err(JobKind::Incremental),
    }
}

#[instrument_metrics]
async fn schedule(kind: JobKind) -> Result<(), JobKind> {
    Err(kind)
}

fn main() {
    let _ = run(&JobKind::Full);
    let _ = schedule(JobKind::Complete);
    let _ = JobKind::VALUES;
    let _ = JobKind::Full.label();
}

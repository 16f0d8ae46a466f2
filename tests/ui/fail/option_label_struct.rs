use instrument_metrics::instrument_metrics;

struct Job {
    kind: JobKind,
}

struct JobKind {
    name: &'static str,
}

#[instrument_metrics(labels(kind = job.kind))]
fn run(job: &Job) -> usize {
    job.kind.name.len()
}

fn main() {
    let _ = run(&Job {
        kind: JobKind { name: "full" },
    });
}

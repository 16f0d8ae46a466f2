use instrument_metrics::instrument_metrics;

// `job` and `instance` are the target labels a scrape attaches to every series; a series that
// carries its own has it renamed to `exported_job`/`exported_instance`, so they are reserved.
#[instrument_metrics(labels(job = "nightly"))]
fn export() -> u32 {
    1
}

#[instrument_metrics(labels(region = "eu", instance = "worker-1"))]
fn import() -> u32 {
    2
}

fn main() {
    let _ = export() + import();
}

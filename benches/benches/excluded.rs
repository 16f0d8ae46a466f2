//! `#[instrument_metrics]` on functions excluded by `Builder::exclude` (as by
//! `METRICS_EXCLUDED_HANDLERS`): the exporter records, but not these functions.

include!("shared/variants.rs");

/// Iterations per sample of the instrumented calls, which record nothing here.
const INSTRUMENTED: u32 = NANOS;

fn main() {
    let exporter = instrument_metrics::Builder::new()
        .without_listener()
        .exclude("work.*")
        .install()
        .expect("install the exporter");
    call_each_once();
    let rendered = exporter.render();
    assert!(
        !rendered.contains("function=\"work"),
        "excluded functions were recorded:\n{rendered}"
    );
    if instrument_metrics_benches::benchmarking() {
        report_allocations("excluded");
    }
    divan::main();
}

//! `#[instrument_metrics]` with metrics disabled (`ENABLE_METRICS=false`, here
//! `Builder::enabled(false)`): a call costs one relaxed load above the plain call.

include!("shared/variants.rs");

/// Iterations per sample of the instrumented calls, which cost a load here.
const INSTRUMENTED: u32 = NANOS;

fn main() {
    let exporter = instrument_metrics::Builder::new()
        .enabled(false)
        .install()
        .expect("install the disabled exporter");
    assert!(!exporter.is_enabled());
    call_each_once();
    if instrument_metrics_benches::benchmarking() {
        report_allocations("disabled");
    }
    divan::main();
}

//! `#[instrument_metrics]` with exemplars on (`Builder::exemplars(true)`): the rows of the
//! `instrumented` binary, whose figures are the cost with exemplars off, in a process of its own
//! because the setting is process-wide. The hook reports a trace, so every bucket keeps one
//! exemplar per 100 ms and the calls in between compare the clock with the bucket's next time;
//! `sync_untraced` is the same call while the hook finds no trace (a look per bucket per ms).

include!("shared/variants.rs");

use std::sync::atomic::{AtomicBool, Ordering};

use instrument_metrics::TraceContext;
use instrument_metrics_benches::sample_size::HUNDREDS;

/// Iterations per sample of the instrumented calls.
const INSTRUMENTED: u32 = HUNDREDS;

/// Whether the hook finds a trace.
static TRACED: AtomicBool = AtomicBool::new(true);

fn current_trace() -> Option<TraceContext> {
    TRACED
        .load(Ordering::Relaxed)
        .then(|| TraceContext::new(1, 1))
        .flatten()
}

fn main() {
    let exporter = instrument_metrics::Builder::new()
        .without_listener()
        .exemplars(true)
        .exemplar_source(current_trace)
        .install()
        .expect("install the exporter");
    call_each_once();
    let rendered = exporter.render_openmetrics();
    assert!(
        rendered.contains("trace_id=\"00000000000000000000000000000001\""),
        "no exemplar was kept:\n{rendered}"
    );
    if instrument_metrics_benches::benchmarking() {
        report_allocations("exemplars");
    }
    divan::main();
    drop(exporter);
}

/// `sync` while the hook finds no trace.
#[divan::bench(sample_size = INSTRUMENTED)]
fn sync_untraced(bencher: divan::Bencher) {
    TRACED.store(false, Ordering::Relaxed);
    bencher.bench(|| work(black_box(7)));
    TRACED.store(true, Ordering::Relaxed);
}

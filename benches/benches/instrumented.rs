//! `#[instrument_metrics]` recording into the installed exporter, on one and two threads, and
//! the time to render `/metrics` with many series.

include!("shared/variants.rs");

use std::sync::{Mutex, OnceLock, PoisonError};

use instrument_metrics::Exporter;
use instrument_metrics_benches::floor::floor_work;
use instrument_metrics_benches::sample_size::HUNDREDS;

/// Iterations per sample of the instrumented calls.
const INSTRUMENTED: u32 = HUNDREDS;

static EXPORTER: OnceLock<Exporter> = OnceLock::new();

fn main() {
    let exporter = instrument_metrics::Builder::new()
        .without_listener()
        .install()
        .expect("install the exporter");
    call_each_once();
    sink(floor_work(7));
    let rendered = exporter.render();
    assert!(
        rendered.contains(
            "function_calls_total{function=\"work\",module=\"instrumented\",result=\"ok\"} 1"
        ),
        "the call was not recorded:\n{rendered}"
    );
    assert!(EXPORTER.set(exporter).is_ok());
    if instrument_metrics_benches::benchmarking() {
        report_allocations("instrumented");
    }
    divan::main();
    for (series, lines, bytes) in RENDERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
    {
        println!("render_size series={series} lines={lines} bytes={bytes}");
    }
}

/// The hand-written floor of the `peers` binary, here against the recorder of the installed
/// exporter (also a `metrics-exporter-prometheus` 0.18 recorder with buckets): the same code in
/// the same process as the instrumented calls, a cross-check of `peers/floor`.
#[divan::bench(threads = [1, 2], sample_size = HUNDREDS)]
fn floor() -> u64 {
    floor_work(black_box(7))
}

/// Two raw time-stamp-counter reads and nothing else: the least any measured duration costs,
/// in the same process as the instrumented calls.
#[divan::bench(sample_size = NANOS)]
fn clock() -> u64 {
    static CLOCK: std::sync::LazyLock<quanta::Clock> = std::sync::LazyLock::new(quanta::Clock::new);
    let start = CLOCK.raw();
    CLOCK.raw().wrapping_sub(start)
}

const BENCH_OBJECTIVE: instrument_metrics::Objective =
    instrument_metrics::Objective::new("bench").success_rate(99.9);

#[instrument_metrics(objective = BENCH_OBJECTIVE)]
#[inline(never)]
fn work_objective(x: u64) -> Result<u64, WorkError> {
    body_result(x)
}

#[instrument_metrics(last_success)]
#[inline(never)]
fn work_last_success(x: u64) -> Result<u64, WorkError> {
    body_result(x)
}

/// `result` with `objective = ..`: nothing is added per call (the objective is rendered at
/// scrape time), so this row should match `result`.
#[divan::bench(sample_size = INSTRUMENTED)]
fn result_objective() -> Result<u64, WorkError> {
    work_objective(black_box(7))
}

/// `result` with `last_success`: an `ok` call also reads the clock, and at most once a
/// millisecond the wall clock, and stores it.
#[divan::bench(sample_size = INSTRUMENTED)]
fn result_last_success() -> Result<u64, WorkError> {
    work_last_success(black_box(7))
}

/// Counter series registered so far for the render benchmark.
static SERIES: Mutex<usize> = Mutex::new(0);

/// The size of the exposition at each series count: series, lines, bytes.
static RENDERED: Mutex<Vec<(usize, usize, usize)>> = Mutex::new(Vec::new());

/// Registers counter series `bench_render_series_total{series="<i>"}` until there are `count`.
/// Series cannot be removed, so the render benchmarks run in increasing order of series.
fn ensure_series(count: usize) {
    let mut registered = SERIES.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(
        *registered <= count,
        "series are only ever added: run smaller counts first"
    );
    while *registered < count {
        metrics::counter!("bench_render_series_total", "series" => registered.to_string())
            .increment(1);
        *registered += 1;
    }
}

/// `Exporter::render()` with this many `metrics::counter!` series in the recorder, besides this
/// binary's four call sites (`function_calls_*`: 4 counters, 1 gauge and a 15-bucket histogram
/// each) and `build_info`.
#[divan::bench(args = [1_000, 10_000])]
fn render(bencher: divan::Bencher, series: usize) {
    ensure_series(series);
    let exporter = EXPORTER.get().expect("installed in main");
    let text = exporter.render();
    RENDERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((series, text.lines().count(), text.len()));
    bencher.bench(|| exporter.render());
}

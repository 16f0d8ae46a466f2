//! autometrics 3.0 with its `metrics` 0.24 backend and its own Prometheus exporter
//! (`prometheus_exporter::init()`, a `metrics-exporter-prometheus` 0.17 recorder with buckets).

use std::hint::black_box;
use std::pin::pin;
use std::time::Duration;

use autometrics::{autometrics, prometheus_exporter};
use instrument_metrics_benches::executor::block_on;
use instrument_metrics_benches::sample_size::{MICROS, NANOS};
use instrument_metrics_benches::{
    WorkError, alloc, benchmarking, body, body_result, sink, spawn_upkeep,
};

#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;

fn main() {
    prometheus_exporter::init();
    // autometrics installs the recorder without an upkeep task; rendering drains the histogram
    // sample buffers, as a scrape would.
    spawn_upkeep(Duration::from_secs(1), || {
        drop(prometheus_exporter::encode_to_string());
    });

    // Registers the series before divan sizes its samples from the first calls.
    sink(default_work(7));
    sink(concurrency_work(7));
    sink(concurrency_work_result(7));
    sink(block_on(pin!(concurrency_work_async(7))));
    if benchmarking() {
        alloc::report(
            "autometrics",
            &mut [
                ("default", &mut || sink(default_work(black_box(7)))),
                ("track_concurrency", &mut || {
                    sink(concurrency_work(black_box(7)));
                }),
                ("track_concurrency_result", &mut || {
                    sink(concurrency_work_result(black_box(7)));
                }),
                ("track_concurrency_async", &mut || {
                    sink(block_on(pin!(concurrency_work_async(black_box(7)))));
                }),
            ],
        );
    }
    divan::main();
}

#[inline(never)]
fn plain_work(x: u64) -> u64 {
    body(x)
}

#[autometrics]
#[inline(never)]
fn default_work(x: u64) -> u64 {
    body(x)
}

#[autometrics(track_concurrency)]
#[inline(never)]
fn concurrency_work(x: u64) -> u64 {
    body(x)
}

#[autometrics(track_concurrency)]
#[inline(never)]
fn concurrency_work_result(x: u64) -> Result<u64, WorkError> {
    body_result(x)
}

#[autometrics(track_concurrency)]
#[inline(never)]
async fn concurrency_work_async(x: u64) -> u64 {
    body(x)
}

#[divan::bench(sample_size = NANOS)]
fn plain() -> u64 {
    plain_work(black_box(7))
}

/// `#[autometrics]`: call counter by result, duration histogram.
#[divan::bench(sample_size = MICROS)]
fn default() -> u64 {
    default_work(black_box(7))
}

/// `#[autometrics(track_concurrency)]`: the same plus the in-flight gauge, the set of
/// instrument-metrics.
#[divan::bench(sample_size = MICROS)]
fn track_concurrency() -> u64 {
    concurrency_work(black_box(7))
}

#[divan::bench(sample_size = MICROS)]
fn track_concurrency_result() -> Result<u64, WorkError> {
    concurrency_work_result(black_box(7))
}

#[divan::bench(sample_size = MICROS)]
fn track_concurrency_async() -> u64 {
    block_on(pin!(concurrency_work_async(black_box(7))))
}

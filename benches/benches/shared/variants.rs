// The functions and benchmarks shared by the `instrumented`, `disabled` and `excluded` binaries
// (included, so their rows sit at the top of each binary's table): the same code measured under
// a different process-wide state in each.

use std::hint::black_box;
use std::pin::pin;

use instrument_metrics::instrument_metrics;
use instrument_metrics_benches::executor::block_on;
use instrument_metrics_benches::sample_size::NANOS;
use instrument_metrics_benches::{WorkError, alloc, body, body_result, sink};

#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;

#[inline(never)]
fn plain_work(x: u64) -> u64 {
    body(x)
}

#[inline(never)]
async fn plain_work_async(x: u64) -> u64 {
    body(x)
}

#[instrument_metrics]
#[inline(never)]
fn work(x: u64) -> u64 {
    body(x)
}

#[instrument_metrics]
#[inline(never)]
fn work_result(x: u64) -> Result<u64, WorkError> {
    body_result(x)
}

#[instrument_metrics]
#[inline(never)]
async fn work_async(x: u64) -> u64 {
    body(x)
}

#[instrument_metrics]
#[inline(never)]
async fn work_async_result(x: u64) -> Result<u64, WorkError> {
    body_result(x)
}

/// Resolves every call site, so that what follows sees all of them registered.
fn call_each_once() {
    black_box(work(black_box(7)));
    black_box(work_result(black_box(7))).ok();
    black_box(block_on(pin!(work_async(black_box(7)))));
    black_box(block_on(pin!(work_async_result(black_box(7))))).ok();
}

fn report_allocations(binary: &str) {
    alloc::report(
        binary,
        &mut [
            ("sync", &mut || sink(work(black_box(7)))),
            ("result", &mut || sink(work_result(black_box(7)))),
            ("async_ready", &mut || {
                sink(block_on(pin!(work_async(black_box(7)))));
            }),
            ("async_result", &mut || {
                sink(block_on(pin!(work_async_result(black_box(7)))));
            }),
        ],
    );
}

/// The function with no instrumentation: what a call costs by itself.
#[divan::bench(sample_size = NANOS)]
fn plain() -> u64 {
    plain_work(black_box(7))
}

/// An `async fn` without instrumentation, created and polled once to completion.
#[divan::bench(sample_size = NANOS)]
fn plain_async() -> u64 {
    block_on(pin!(plain_work_async(black_box(7))))
}

/// `#[instrument_metrics]` on `fn work(x: u64) -> u64`.
#[divan::bench(threads = [1, 2], sample_size = INSTRUMENTED)]
fn sync() -> u64 {
    work(black_box(7))
}

/// `#[instrument_metrics]` on a function returning `Result`: the outcome is classified.
#[divan::bench(sample_size = INSTRUMENTED)]
fn result() -> Result<u64, WorkError> {
    work_result(black_box(7))
}

/// `#[instrument_metrics]` on an `async fn`, created and polled once to completion.
#[divan::bench(sample_size = INSTRUMENTED)]
fn async_ready() -> u64 {
    block_on(pin!(work_async(black_box(7))))
}

#[divan::bench(sample_size = INSTRUMENTED)]
fn async_result() -> Result<u64, WorkError> {
    block_on(pin!(work_async_result(black_box(7))))
}

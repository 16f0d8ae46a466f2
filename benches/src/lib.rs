//! What the bench binaries share: the measured function bodies, a counting allocator, a minimal
//! executor, and the parser of divan's tables behind `scripts/bench`'s summary line.
//!
//! Each bench binary is its own process because the state it measures is process-wide: the
//! global `metrics` recorder is set once, and so is instrument-metrics' disabled flag.

pub mod alloc;
pub mod executor;
pub mod floor;
pub mod report;

use std::hint::black_box;

/// Iterations per divan sample, by how long a call takes: samples of tens of microseconds are
/// long against the timer's precision (tens of nanoseconds) and short against a scheduler time
/// slice, so on a busy machine a sample that another process interrupted is an outlier the median
/// ignores. Fixed rather than tuned: divan tunes from the first samples, and one slow first call
/// (a page fault, a preemption) leaves it timing a single call per sample.
pub mod sample_size {
    /// Calls of a few nanoseconds to a few tens.
    pub const NANOS: u32 = 8192;
    /// Calls of tens to hundreds of nanoseconds.
    pub const HUNDREDS: u32 = 256;
    /// Calls of microseconds.
    pub const MICROS: u32 = 32;
}

/// The measured function body: small enough that the instrumentation is all that shows.
#[inline(always)]
pub fn body(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

/// The `Result`-returning body: `Ok` for the inputs the benches use, so every call takes the
/// same path, but the compiler cannot know it.
#[inline(always)]
pub fn body_result(x: u64) -> Result<u64, WorkError> {
    let y = black_box(x).wrapping_mul(3);
    if y == u64::MAX { Err(WorkError) } else { Ok(y) }
}

/// The error of [`body_result`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkError;

impl std::fmt::Display for WorkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("work failed")
    }
}

impl std::error::Error for WorkError {}

/// Keeps a measured call's result alive as far as the optimizer knows, whatever its type.
#[inline(always)]
pub fn sink<T>(value: T) {
    drop(black_box(value));
}

/// Whether the binary runs as a benchmark (`cargo bench`, which passes `--bench`) rather than as
/// a test (`cargo test --all-targets`, where divan runs each benchmark once): the extra
/// measurements (allocations, series for the render benchmark) only run when benchmarking.
pub fn benchmarking() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// Runs `upkeep` every `interval` on a background thread for the rest of the process, as an
/// exporter's upkeep task or a scraper would: histogram samples of `metrics-exporter-prometheus`
/// wait in a buffer until upkeep or a render drains them, so without it memory grows by 8 bytes
/// per recorded call.
pub fn spawn_upkeep(interval: std::time::Duration, upkeep: impl Fn() + Send + 'static) {
    std::thread::Builder::new()
        .name("bench-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(interval);
                upkeep();
            }
        })
        .expect("spawn the upkeep thread");
}

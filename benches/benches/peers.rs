//! The code a user would write instead of `#[instrument_metrics]`, recording into a
//! `metrics-exporter-prometheus` 0.18 recorder with histogram buckets (as an exporter for
//! Prometheus must have them), and metered 0.9 (HdrHistogram, not Prometheus); plus the costs of
//! the parts the floor is made of.

use std::hint::black_box;
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use instrument_metrics::DEFAULT_BUCKETS;
use instrument_metrics_benches::floor::{floor_quanta_work, floor_work, floor_work_result};
use instrument_metrics_benches::sample_size::{HUNDREDS, MICROS, NANOS};
use instrument_metrics_benches::{
    WorkError, alloc, benchmarking, body, body_result, sink, spawn_upkeep,
};
use metered::{ErrorCount, HitCount, InFlight as MeteredInFlight, ResponseTime};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;

fn main() {
    let recorder = PrometheusBuilder::new()
        .set_buckets(DEFAULT_BUCKETS)
        .expect("the default buckets are valid")
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).expect("no recorder is installed yet");
    // What the exporter's own upkeep task does (every 5 s there): fold histogram samples into
    // buckets, so the sample buffers do not grow for the whole run.
    spawn_upkeep(Duration::from_secs(1), {
        let handle = handle.clone();
        move || handle.run_upkeep()
    });
    assert!(HANDLE.set(handle).is_ok());
    warm_up();

    if benchmarking() {
        alloc::report(
            "peers",
            &mut [
                ("plain", &mut || sink(plain_work(black_box(7)))),
                ("naive", &mut || sink(naive_work(black_box(7)))),
                ("naive_result", &mut || {
                    sink(naive_work_result(black_box(7)));
                }),
                ("floor", &mut || sink(floor_work(black_box(7)))),
                ("floor_result", &mut || {
                    sink(floor_work_result(black_box(7)));
                }),
                ("floor_quanta", &mut || {
                    sink(floor_quanta_work(black_box(7)));
                }),
                ("metered", &mut || sink(METERED.work(black_box(7)))),
                ("metered_result", &mut || {
                    sink(METERED.work_result(black_box(7)));
                }),
            ],
        );
    }
    divan::main();
}

/// Registers every handle before divan runs: divan sizes its samples from the first ones, and a
/// first call that registers would make it measure one call per sample, below its timer's
/// precision.
fn warm_up() {
    sink(plain_work(7));
    sink(plain_work_result(7));
    sink(naive_work(7));
    sink(naive_work_result(7));
    sink(floor_work(7));
    sink(floor_work_result(7));
    sink(floor_quanta_work(7));
    sink(METERED.work(7));
    sink(METERED.work_result(7));
    sink(quanta::Instant::now());
    LazyLock::force(&parts::HANDLES);
}

// ---- plain -------------------------------------------------------------------------------------

#[inline(never)]
fn plain_work(x: u64) -> u64 {
    body(x)
}

#[inline(never)]
fn plain_work_result(x: u64) -> Result<u64, WorkError> {
    body_result(x)
}

/// The function with no instrumentation: what a call costs by itself.
#[divan::bench(sample_size = NANOS)]
fn plain() -> u64 {
    plain_work(black_box(7))
}

#[divan::bench(sample_size = NANOS)]
fn plain_result() -> Result<u64, WorkError> {
    plain_work_result(black_box(7))
}

// ---- naive: the `metrics` macros in the body, a registry lookup per macro per call ------------

#[inline(never)]
fn naive_work(x: u64) -> u64 {
    metrics::gauge!("naive_calls_in_flight", "function" => "naive_work", "module" => "peers")
        .increment(1.0);
    let start = Instant::now();
    let output = body(x);
    metrics::histogram!("naive_calls_duration_seconds", "function" => "naive_work", "module" => "peers")
        .record(start.elapsed().as_secs_f64());
    metrics::gauge!("naive_calls_in_flight", "function" => "naive_work", "module" => "peers")
        .decrement(1.0);
    metrics::counter!("naive_calls_total", "function" => "naive_work", "module" => "peers", "result" => "ok")
        .increment(1);
    output
}

#[inline(never)]
fn naive_work_result(x: u64) -> Result<u64, WorkError> {
    metrics::gauge!("naive_calls_in_flight", "function" => "naive_work_result", "module" => "peers")
        .increment(1.0);
    let start = Instant::now();
    let output = body_result(x);
    metrics::histogram!(
        "naive_calls_duration_seconds", "function" => "naive_work_result", "module" => "peers"
    )
    .record(start.elapsed().as_secs_f64());
    metrics::gauge!("naive_calls_in_flight", "function" => "naive_work_result", "module" => "peers")
        .decrement(1.0);
    let result = if output.is_ok() { "ok" } else { "error" };
    metrics::counter!(
        "naive_calls_total", "function" => "naive_work_result", "module" => "peers", "result" => result
    )
    .increment(1);
    output
}

#[divan::bench(sample_size = MICROS)]
fn naive() -> u64 {
    naive_work(black_box(7))
}

#[divan::bench(sample_size = MICROS)]
fn naive_result() -> Result<u64, WorkError> {
    naive_work_result(black_box(7))
}

// ---- floor: handles cached in a OnceLock, a drop guard for the gauge (see `floor.rs`) -------

/// The hand-written expert floor: counter by result, histogram, in-flight gauge.
#[divan::bench(threads = [1, 2], sample_size = HUNDREDS)]
fn floor() -> u64 {
    floor_work(black_box(7))
}

#[divan::bench(sample_size = HUNDREDS)]
fn floor_result() -> Result<u64, WorkError> {
    floor_work_result(black_box(7))
}

#[divan::bench(sample_size = HUNDREDS)]
fn floor_quanta() -> u64 {
    floor_quanta_work(black_box(7))
}

// ---- metered 0.9 -------------------------------------------------------------------------------

/// metered keeps its registry in the value the methods are called on.
#[derive(Default, Debug)]
struct MeteredService {
    metrics: MeteredServiceMetrics,
}

#[metered::metered(registry = MeteredServiceMetrics)]
impl MeteredService {
    #[measure([HitCount, MeteredInFlight, ResponseTime])]
    #[inline(never)]
    fn work(&self, x: u64) -> u64 {
        body(x)
    }

    #[measure([HitCount, ErrorCount, MeteredInFlight, ResponseTime])]
    #[inline(never)]
    fn work_result(&self, x: u64) -> Result<u64, WorkError> {
        body_result(x)
    }
}

static METERED: LazyLock<MeteredService> = LazyLock::new(MeteredService::default);

/// metered with hit count, in-flight gauge and response-time HdrHistogram.
#[divan::bench(sample_size = HUNDREDS)]
fn metered() -> u64 {
    METERED.work(black_box(7))
}

#[divan::bench(sample_size = HUNDREDS)]
fn metered_result() -> Result<u64, WorkError> {
    METERED.work_result(black_box(7))
}

// ---- rendering ---------------------------------------------------------------------------------

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Counter series registered so far for the render benchmark.
static SERIES: Mutex<usize> = Mutex::new(0);

/// `PrometheusHandle::render()` of the bare 0.18 recorder with this many `metrics::counter!`
/// series (and this binary's few others): the exporter's own share of `instrumented/render`,
/// which registers the same series. Series cannot be removed, so counts run in increasing order.
#[divan::bench(args = [1_000, 10_000])]
fn render(bencher: divan::Bencher, series: usize) {
    {
        let mut registered = SERIES.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(*registered <= series, "run smaller counts first");
        while *registered < series {
            metrics::counter!("bench_render_series_total", "series" => registered.to_string())
                .increment(1);
            *registered += 1;
        }
    }
    let handle = HANDLE.get().expect("installed in main");
    bencher.bench(|| handle.render());
}

// ---- the parts of a call's cost ----------------------------------------------------------------

/// Each piece of the floor on its own, and the integer operations instrument-metrics uses
/// instead, so the cost of a call can be accounted for.
mod parts {
    use std::hint::black_box;
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use instrument_metrics_benches::floor::Handles;
    use instrument_metrics_benches::sample_size::{HUNDREDS, NANOS};

    pub(super) static HANDLES: LazyLock<Handles> = LazyLock::new(|| Handles::register("parts"));

    /// `Instant::now()` at the start and `elapsed()` at the end: two clock reads.
    #[divan::bench(sample_size = HUNDREDS)]
    fn instant_now_pair() -> Duration {
        Instant::now().elapsed()
    }

    #[divan::bench(sample_size = HUNDREDS)]
    fn quanta_now_pair() -> Duration {
        quanta::Instant::now().elapsed()
    }

    /// Two raw time-stamp-counter reads through a `quanta::Clock` held by the caller, scaled to
    /// nanoseconds once: what `quanta::Instant::now` costs without its thread-local clock
    /// override lookup and per-read scaling.
    #[divan::bench(sample_size = HUNDREDS)]
    fn quanta_raw_pair() -> u64 {
        static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);
        let start = CLOCK.raw();
        CLOCK.delta_as_nanos(start, CLOCK.raw())
    }

    /// What a call site does to find the active recorder: a thread-local check for a local
    /// recorder, then the global one.
    #[divan::bench(sample_size = NANOS)]
    fn with_recorder() -> usize {
        metrics::with_recorder(|recorder| std::ptr::from_ref(recorder).cast::<()>() as usize)
    }

    /// `Counter::increment`: one atomic add behind a dyn call.
    #[divan::bench(sample_size = NANOS)]
    fn counter_increment() {
        HANDLES.calls[0].increment(black_box(1));
    }

    /// `Gauge::increment` and `decrement`: two compare-and-swap loops on an f64.
    #[divan::bench(sample_size = NANOS)]
    fn gauge_increment_decrement() {
        HANDLES.in_flight.increment(black_box(1.0));
        HANDLES.in_flight.decrement(black_box(1.0));
    }

    /// `Histogram::record`: a push into the sample buffer that upkeep drains.
    #[divan::bench(sample_size = HUNDREDS)]
    fn histogram_record() {
        HANDLES.duration.record(black_box(1.5e-7));
    }

    /// One relaxed integer add, uncontended.
    #[divan::bench(sample_size = NANOS)]
    fn atomic_fetch_add() -> u64 {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        COUNT.fetch_add(black_box(1), Ordering::Relaxed)
    }

    /// The integer operations of instrument-metrics' own series per call: in-flight up and
    /// down, bucket, sum of nanoseconds, outcome.
    #[divan::bench(sample_size = NANOS)]
    fn atomics_of_a_call() {
        static IN_FLIGHT: AtomicI64 = AtomicI64::new(0);
        static BUCKET: AtomicU64 = AtomicU64::new(0);
        static SUM: AtomicU64 = AtomicU64::new(0);
        static CALLS: AtomicU64 = AtomicU64::new(0);
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        BUCKET.fetch_add(1, Ordering::Relaxed);
        SUM.fetch_add(black_box(150), Ordering::Relaxed);
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
        CALLS.fetch_add(1, Ordering::Relaxed);
    }

    /// Finding the bucket of a short call by a linear scan of the 14 default bounds in
    /// nanoseconds (a short call stops at the first).
    #[divan::bench(sample_size = NANOS)]
    fn bucket_search() -> usize {
        static BOUNDS: LazyLock<Vec<u64>> = LazyLock::new(|| {
            instrument_metrics::DEFAULT_BUCKETS
                .iter()
                .map(|bound| (bound * 1e9) as u64)
                .collect()
        });
        let nanos = black_box(150);
        BOUNDS
            .iter()
            .position(|bound| nanos <= *bound)
            .unwrap_or(BOUNDS.len())
    }

    /// Duration to seconds as the facade's histograms take them.
    #[divan::bench(sample_size = NANOS)]
    fn duration_as_secs_f64() -> f64 {
        black_box(Duration::from_nanos(150)).as_secs_f64()
    }
}

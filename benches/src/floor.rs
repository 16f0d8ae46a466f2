//! The hand-written expert floor: what a careful user writes with the `metrics` facade instead of
//! an attribute. Handles (counter by result, duration histogram, in-flight gauge) are registered
//! once and cached in a `OnceLock`; a drop guard takes the gauge back down if the body unwinds.
//!
//! The functions record into whatever global recorder the process installed: the `peers` binary
//! installs a `metrics-exporter-prometheus` 0.18 recorder with buckets; the `instrumented` binary
//! runs the same code against the exporter instrument-metrics installed (the same recorder type),
//! so the floor can also be compared within one process.

use std::sync::OnceLock;
use std::time::Instant;

use metrics::{Counter, Gauge, Histogram};

use crate::{WorkError, body, body_result};

/// One function's handles, registered once against the global recorder.
pub struct Handles {
    /// By result: `ok`, `error`.
    pub calls: [Counter; 2],
    /// `floor_calls_duration_seconds`, in seconds.
    pub duration: Histogram,
    /// `floor_calls_in_flight`.
    pub in_flight: Gauge,
}

impl Handles {
    /// Registers the series of `function` with the global recorder.
    pub fn register(function: &'static str) -> Handles {
        let calls = ["ok", "error"].map(|result| {
            metrics::counter!("floor_calls_total", "function" => function, "result" => result)
        });
        Handles {
            calls,
            duration: metrics::histogram!("floor_calls_duration_seconds", "function" => function),
            in_flight: metrics::gauge!("floor_calls_in_flight", "function" => function),
        }
    }
}

/// Takes the in-flight gauge back down when the call ends, unwinding included.
struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    #[inline]
    fn enter(gauge: &'a Gauge) -> Self {
        gauge.increment(1.0);
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// [`body`] with the floor's instrumentation, timed with `std::time::Instant`.
#[inline(never)]
pub fn floor_work(x: u64) -> u64 {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    let handles = HANDLES.get_or_init(|| Handles::register("floor_work"));
    let _in_flight = InFlight::enter(&handles.in_flight);
    let start = Instant::now();
    let output = body(x);
    handles.duration.record(start.elapsed().as_secs_f64());
    handles.calls[0].increment(1);
    output
}

/// [`body_result`] with the floor's instrumentation: the counter is picked by the result.
#[inline(never)]
pub fn floor_work_result(x: u64) -> Result<u64, WorkError> {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    let handles = HANDLES.get_or_init(|| Handles::register("floor_work_result"));
    let _in_flight = InFlight::enter(&handles.in_flight);
    let start = Instant::now();
    let output = body_result(x);
    handles.duration.record(start.elapsed().as_secs_f64());
    handles.calls[usize::from(output.is_err())].increment(1);
    output
}

/// [`floor_work`] with quanta's clock instead of `std::time::Instant`.
#[inline(never)]
pub fn floor_quanta_work(x: u64) -> u64 {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    let handles = HANDLES.get_or_init(|| Handles::register("floor_quanta_work"));
    let _in_flight = InFlight::enter(&handles.in_flight);
    let start = quanta::Instant::now();
    let output = body(x);
    handles.duration.record(start.elapsed().as_secs_f64());
    handles.calls[0].increment(1);
    output
}

//! An ETL job observed with `#[instrument_metrics]`.
//!
//! Each run of the pipeline extracts a batch of order lines from a (simulated) upstream source,
//! transforms them into typed orders priced in euros, and loads them into a (simulated)
//! warehouse. `extract` and `load` are `async fn`s that wait on I/O; `transform` is a plain `fn`
//! doing CPU work on Tokio's blocking pool; `run` is the whole pipeline. All four are
//! instrumented, so `/metrics` shows, per stage, how often it ran and with which result, how
//! long it took, and how many calls are in flight.
//!
//! The three stages share one family, `pipeline_stage` (`name = "pipeline_stage"`), told apart
//! by literal labels: `pipeline="ingest"` and `stage="extract"`, `"transform"` or `"load"`.
//! `run` keeps the default family, `function_calls`.
//!
//! Like real jobs, this one fails now and then: the source times out, a line does not parse, the
//! warehouse rejects a batch. Each is a `Result::Err` of `StageError`, which derives
//! `MetricLabel`, so the failure is counted with its variant: `result="error",error="timeout"`,
//! `"bad_input"` or `"unavailable"`. Once in a while the source sends a currency the transform
//! was never written for, and it panics (`result="panic"`). The panic is caught where the
//! blocking task is joined, that run fails (`function="run",result="error"`), and the loop goes
//! on.
//!
//! ```text
//! cargo run -p instrument-metrics-examples --bin pipeline
//! curl -s localhost:9000/metrics | grep '^pipeline_stage_total'
//! pipeline_stage_total{function="extract",module="pipeline",pipeline="ingest",stage="extract",result="ok"} 412
//! pipeline_stage_total{function="extract",module="pipeline",pipeline="ingest",stage="extract",result="error",error="timeout"} 9
//! ...
//! ```
//!
//! It runs until killed. Environment, all optional:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `METRICS_ADDR`, `ENABLE_METRICS` | read by `instrument_metrics::install()` | `0.0.0.0:9000`, `true` |
//! | `PIPELINE_ITERATIONS` | stop after this many runs | run forever |
//! | `PIPELINE_FAILURE_RATE` | chance that a stage fails with an error, per stage and run | `0.03` |
//! | `PIPELINE_PANIC_RATE` | chance that a batch makes `transform` panic | `0.01` |
//! | `PIPELINE_SEED` | seed of the random timing and faults, for a repeatable run | the clock |

mod errors;
mod orders;
mod systems;
mod tally;

use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use instrument_metrics::instrument_metrics;
use instrument_metrics_examples::knobs::{self, KnobError};
use instrument_metrics_examples::rng::Rng;

use errors::{PipelineError, StageError};
use orders::{Order, parse_line};
use systems::{LoadReport, RawBatch, Source, Warehouse};
use tally::Tally;

/// How often the job prints a summary of its runs.
const REPORT_EVERY: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    match main_loop() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pipeline: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Why the job could not start.
#[derive(Debug)]
enum StartError {
    Knob(KnobError),
    Metrics(instrument_metrics::Error),
    Runtime(std::io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Knob(error) => error.fmt(f),
            StartError::Metrics(error) => write!(f, "cannot serve metrics: {error}"),
            StartError::Runtime(error) => write!(f, "cannot start the Tokio runtime: {error}"),
        }
    }
}

/// What the environment asks of the job.
struct Settings {
    iterations: Option<u64>,
    failure_rate: f64,
    panic_rate: f64,
    seed: Option<u64>,
}

impl Settings {
    fn from_env() -> Result<Settings, KnobError> {
        Ok(Settings {
            iterations: knobs::count("PIPELINE_ITERATIONS")?,
            failure_rate: knobs::probability("PIPELINE_FAILURE_RATE", 0.03)?,
            panic_rate: knobs::probability("PIPELINE_PANIC_RATE", 0.01)?,
            seed: knobs::seed("PIPELINE_SEED")?,
        })
    }
}

fn main_loop() -> Result<(), StartError> {
    let settings = Settings::from_env().map_err(StartError::Knob)?;
    // Installed from plain `main`, before any runtime exists: the exporter needs none.
    let exporter = instrument_metrics::install().map_err(StartError::Metrics)?;
    match exporter.local_addr() {
        Some(addr) => println!("serving metrics at http://{addr}/metrics"),
        None if exporter.is_enabled() => {
            println!("pushing metrics to the Pushgateway in METRICS_PUSH_GATEWAY")
        }
        None => println!("metrics are disabled (ENABLE_METRICS); the pipeline runs unobserved"),
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(StartError::Runtime)?;
    runtime.block_on(run_jobs(&settings));
    // In push mode this makes the final push, so the last runs are not lost.
    exporter.shutdown().map_err(StartError::Metrics)
}

/// Runs the pipeline again and again, with a short pause between runs.
async fn run_jobs(settings: &Settings) {
    let mut rng = settings.seed.map_or_else(Rng::from_clock, Rng::seeded);
    let mut source = Source::new(rng.split(), settings.failure_rate, settings.panic_rate);
    let mut warehouse = Warehouse::new(rng.split(), settings.failure_rate);
    let mut tally = Tally::default();
    let mut reported = Instant::now();
    let mut runs = 0_u64;
    while settings
        .iterations
        .is_none_or(|iterations| runs < iterations)
    {
        runs += 1;
        match run(&mut source, &mut warehouse).await {
            Ok(report) => tally.ok(&report),
            Err(error) => {
                eprintln!("pipeline: run {runs} failed: {error}");
                tally.failed();
            }
        }
        if reported.elapsed() >= REPORT_EVERY {
            println!("{tally}");
            reported = Instant::now();
        }
        tokio::time::sleep(rng.jitter(Duration::from_millis(20), Duration::from_millis(80))).await;
    }
    println!("{tally}");
}

/// The whole pipeline, once: extract, transform, load. Recorded with the defaults, in the
/// `function_calls` families.
#[instrument_metrics]
async fn run(source: &mut Source, warehouse: &mut Warehouse) -> Result<LoadReport, PipelineError> {
    let batch = extract(source).await?;
    // Parsing and pricing is CPU work: it belongs on the blocking pool, not on the scheduler.
    let orders = tokio::task::spawn_blocking(move || transform(batch))
        .await
        .map_err(|joined| PipelineError::from_join("transform", joined))??;
    Ok(load(warehouse, orders).await?)
}

/// Fetches the next batch of raw order lines from the source.
#[instrument_metrics(
    name = "pipeline_stage",
    labels(pipeline = "ingest", stage = "extract")
)]
async fn extract(source: &mut Source) -> Result<RawBatch, StageError> {
    let batch = source.next_batch();
    // The source is a remote service: most of extract is waiting for it.
    tokio::time::sleep(
        source
            .rng
            .jitter(Duration::from_millis(5), Duration::from_millis(25)),
    )
    .await;
    if source.rng.chance(source.failure_rate) {
        return Err(StageError::SourceTimeout {
            batch: batch.id,
            after: Duration::from_millis(25),
        });
    }
    Ok(batch)
}

/// Parses raw lines into orders and prices them in euros.
#[instrument_metrics(
    name = "pipeline_stage",
    labels(pipeline = "ingest", stage = "transform")
)]
fn transform(batch: RawBatch) -> Result<Vec<Order>, StageError> {
    let started = Instant::now();
    let mut orders = Vec::with_capacity(batch.lines.len());
    for (index, line) in batch.lines.iter().enumerate() {
        let order = parse_line(line).map_err(|reason| StageError::Malformed {
            batch: batch.id,
            line: index + 1,
            reason,
        })?;
        orders.push(order);
    }
    // Stands in for per-order enrichment (lookups, validation): about 20 µs an order.
    let enrichment = Duration::from_micros(20) * u32::try_from(orders.len()).unwrap_or(u32::MAX);
    std::thread::sleep(enrichment.saturating_sub(started.elapsed()));
    Ok(orders)
}

/// Writes orders to the warehouse.
#[instrument_metrics(name = "pipeline_stage", labels(pipeline = "ingest", stage = "load"))]
async fn load(warehouse: &mut Warehouse, orders: Vec<Order>) -> Result<LoadReport, StageError> {
    tokio::time::sleep(
        warehouse
            .rng
            .jitter(Duration::from_millis(10), Duration::from_millis(40)),
    )
    .await;
    if warehouse.rng.chance(warehouse.failure_rate) {
        return Err(StageError::SinkRejected {
            orders: orders.len(),
            reason: "lock timeout on table orders",
        });
    }
    // Loads are idempotent: orders at or below the high-water mark were loaded before.
    let fresh: Vec<&Order> = orders
        .iter()
        .filter(|order| order.id > warehouse.high_water_mark)
        .collect();
    warehouse.high_water_mark = fresh
        .iter()
        .map(|order| order.id)
        .max()
        .unwrap_or(warehouse.high_water_mark);
    Ok(LoadReport {
        orders: fresh.len(),
        eur_cents: fresh.iter().map(|order| order.eur_cents).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_faults_reach_transform() {
        let mut malformed = Source::new(Rng::seeded(3), 1.0, 0.0);
        assert!(matches!(
            transform(malformed.next_batch()),
            Err(StageError::Malformed { batch: 1, .. })
        ));
        let mut clean = Source::new(Rng::seeded(3), 0.0, 0.0);
        let batch = clean.next_batch();
        let lines = batch.lines.len();
        assert_eq!(
            transform(batch).map(|orders| orders.len()).ok(),
            Some(lines)
        );
        let mut poisoned = Source::new(Rng::seeded(3), 0.0, 1.0);
        let batch = poisoned.next_batch();
        assert!(std::panic::catch_unwind(move || transform(batch)).is_err());
    }
}

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

use std::any::Any;
use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use instrument_metrics::{MetricLabel, instrument_metrics};
use instrument_metrics_examples::knobs::{self, KnobError};
use instrument_metrics_examples::rng::Rng;

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

/// One order line: `id,customer,amount,currency`, e.g. `1042,acme,19.99,USD`.
fn parse_line(line: &str) -> Result<Order, String> {
    let fields: Vec<&str> = line.split(',').collect();
    let [id, customer, amount, currency] = fields[..] else {
        return Err(format!("expected 4 fields, found {}", fields.len()));
    };
    let id = id.parse().map_err(|_| format!("invalid order id {id:?}"))?;
    let cents = parse_cents(amount).ok_or_else(|| format!("invalid amount {amount:?}"))?;
    if customer.is_empty() {
        return Err("empty customer".to_owned());
    }
    Ok(Order {
        id,
        eur_cents: to_eur_cents(cents, currency),
    })
}

/// `19.99` as 1999 cents.
fn parse_cents(amount: &str) -> Option<u64> {
    let (units, cents) = amount.split_once('.').unwrap_or((amount, "00"));
    if cents.len() != 2 {
        return None;
    }
    units
        .parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents.parse().ok()?)
}

/// Exchange rates to euros, in thousandths.
const EUR_PER_THOUSAND: &[(&str, u64)] =
    &[("EUR", 1000), ("USD", 920), ("GBP", 1170), ("CHF", 1040)];

/// The bug this example keeps on purpose: the transform was written for the currencies the
/// source sent when it was written, and a new one makes it panic instead of returning an error.
fn to_eur_cents(cents: u64, currency: &str) -> u64 {
    let Some((_, rate)) = EUR_PER_THOUSAND.iter().find(|(code, _)| *code == currency) else {
        panic!("no exchange rate for currency {currency:?}");
    };
    cents * rate / 1000
}

/// A failed stage, as its `Err`. As a `MetricLabel`, each variant is an `error` label value: a
/// fixed set, whatever the fields hold (batch ids and reasons stay out of the labels).
#[derive(Debug, MetricLabel)]
enum StageError {
    #[metric_label(rename = "timeout")]
    SourceTimeout { batch: u64, after: Duration },
    #[metric_label(rename = "bad_input")]
    Malformed {
        batch: u64,
        line: usize,
        reason: String,
    },
    #[metric_label(rename = "unavailable")]
    SinkRejected { orders: usize, reason: &'static str },
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageError::SourceTimeout { batch, after } => write!(
                f,
                "extract: source timed out after {after:?} on batch {batch}"
            ),
            StageError::Malformed {
                batch,
                line,
                reason,
            } => write!(f, "transform: batch {batch}, line {line}: {reason}"),
            StageError::SinkRejected { orders, reason } => {
                write!(f, "load: warehouse rejected {orders} orders: {reason}")
            }
        }
    }
}

impl std::error::Error for StageError {}

/// A failed run: a stage returned an error, or panicked.
#[derive(Debug)]
enum PipelineError {
    Stage(StageError),
    Panicked {
        stage: &'static str,
        message: String,
    },
    Cancelled {
        stage: &'static str,
    },
}

impl PipelineError {
    fn from_join(stage: &'static str, joined: tokio::task::JoinError) -> PipelineError {
        match joined.try_into_panic() {
            Ok(payload) => PipelineError::Panicked {
                stage,
                message: panic_message(payload.as_ref()),
            },
            Err(_) => PipelineError::Cancelled { stage },
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl From<StageError> for PipelineError {
    fn from(error: StageError) -> Self {
        PipelineError::Stage(error)
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Stage(error) => error.fmt(f),
            PipelineError::Panicked { stage, message } => write!(f, "{stage} panicked: {message}"),
            PipelineError::Cancelled { stage } => write!(f, "{stage} was cancelled"),
        }
    }
}

impl std::error::Error for PipelineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PipelineError::Stage(error) => Some(error),
            PipelineError::Panicked { .. } | PipelineError::Cancelled { .. } => None,
        }
    }
}

/// The upstream system, simulated: batches of order lines, now and then a bad one.
struct Source {
    rng: Rng,
    next_id: u64,
    failure_rate: f64,
    panic_rate: f64,
}

/// Raw lines as the source sent them.
struct RawBatch {
    id: u64,
    lines: Vec<String>,
}

impl Source {
    fn new(rng: Rng, failure_rate: f64, panic_rate: f64) -> Source {
        Source {
            rng,
            next_id: 1,
            failure_rate,
            panic_rate,
        }
    }

    fn next_batch(&mut self) -> RawBatch {
        const CUSTOMERS: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli"];
        const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "CHF"];
        let id = self.next_id;
        self.next_id += 1;
        let count = self.rng.between(50, 400);
        let mut lines: Vec<String> = (0..count)
            .map(|n| {
                let customer = CUSTOMERS[self.rng.between(0, CUSTOMERS.len() as u64 - 1) as usize];
                let currency =
                    CURRENCIES[self.rng.between(0, CURRENCIES.len() as u64 - 1) as usize];
                let cents = self.rng.between(100, 50_000);
                format!(
                    "{},{customer},{}.{:02},{currency}",
                    id * 1000 + n,
                    cents / 100,
                    cents % 100
                )
            })
            .collect();
        let last = lines.len() - 1;
        if self.rng.chance(self.failure_rate) {
            lines[self.rng.between(0, last as u64) as usize] =
                format!("{},acme,12.3O,EUR", id * 1000);
        }
        if self.rng.chance(self.panic_rate) {
            lines[self.rng.between(0, last as u64) as usize] =
                format!("{},acme,10.00,SEK", id * 1000);
        }
        RawBatch { id, lines }
    }
}

/// A parsed order, priced in euro cents.
struct Order {
    id: u64,
    eur_cents: u64,
}

/// The downstream system, simulated: it keeps the highest order id loaded, and rejects a batch
/// now and then.
struct Warehouse {
    rng: Rng,
    failure_rate: f64,
    high_water_mark: u64,
}

impl Warehouse {
    fn new(rng: Rng, failure_rate: f64) -> Warehouse {
        Warehouse {
            rng,
            failure_rate,
            high_water_mark: 0,
        }
    }
}

/// What one run loaded.
struct LoadReport {
    orders: usize,
    eur_cents: u64,
}

/// Counts of runs, for the summary the job prints.
#[derive(Default)]
struct Tally {
    ok: u64,
    failed: u64,
    orders: u64,
    eur_cents: u64,
}

impl Tally {
    fn ok(&mut self, report: &LoadReport) {
        self.ok += 1;
        self.orders += report.orders as u64;
        self.eur_cents += report.eur_cents;
    }

    fn failed(&mut self) {
        self.failed += 1;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pipeline: {} runs, {} ok, {} failed; loaded {} orders worth EUR {}.{:02}",
            self.ok + self.failed,
            self.ok,
            self.failed,
            self.orders,
            self.eur_cents / 100,
            self.eur_cents % 100
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prices_a_line() {
        let order = parse_line("1042,acme,19.99,USD").expect("a valid line");
        assert_eq!(order.id, 1042);
        assert_eq!(order.eur_cents, 1839, "1999 cents at 0.92 EUR per USD");
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert_eq!(
            parse_line("1,acme,12.3O,EUR").err().as_deref(),
            Some("invalid amount \"12.3O\"")
        );
        assert_eq!(
            parse_line("1,acme,12.30").err().as_deref(),
            Some("expected 4 fields, found 3")
        );
        assert_eq!(
            parse_line("x,acme,1.00,EUR").err().as_deref(),
            Some("invalid order id \"x\"")
        );
    }

    #[test]
    #[should_panic(expected = "no exchange rate for currency \"SEK\"")]
    fn an_unknown_currency_panics() {
        let _ = parse_line("1,acme,10.00,SEK");
    }

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

    #[test]
    fn stage_errors_label_by_variant() {
        assert_eq!(StageError::VALUES, ["timeout", "bad_input", "unavailable"]);
        let rejected = StageError::SinkRejected {
            orders: 3,
            reason: "full",
        };
        assert_eq!(rejected.label(), "unavailable");
    }
}

//! A queue consumer observed with `#[instrument_metrics]`: the third shape of service next to
//! the pipeline (a loop of stages) and the HTTP service (requests).
//!
//! It takes jobs from a list in Redis, one at a time, with the reliable-queue pattern (see
//! `queue.rs`): a job that fails with a retryable error goes back on the queue for another
//! attempt (`redeliver`), a job that failed `WORKER_MAX_ATTEMPTS` times or can never succeed
//! goes to the dead-letter list (`dead_letter`), and a periodic `sweep` puts back jobs a dead
//! worker left half done. What `/metrics` shows:
//!
//! - `function_calls_total{function="handle_job",result="error",error="timeout"}`: attempts by
//!   result, failures by `JobError` variant; `function_calls_duration_seconds` their durations.
//! - `worker_redeliveries_total{reason="timeout"}` and `worker_dead_letters_total{reason=...}`:
//!   redeliveries and dead letters by the variant that caused them.
//! - `function_calls_total{function="sweep"}`: the sweep's runs.
//! - `worker_queue_wait_duration_seconds`: a histogram, through the `metrics` facade, of each
//!   job's age when the worker takes it (since it was first enqueued, retries included);
//!   `worker_queue_depth{list="ready|processing|dead"}`, a gauge the sweep sets.
//!
//! ```text
//! redis-server --port 6379 &
//! cargo run -p instrument-metrics-examples --bin worker
//! redis-cli LPUSH jobs "1:$(date +%s%3N):0:resize"
//! curl -s localhost:9000/metrics | grep handle_job
//! ```
//!
//! A message is `id:enqueued_unix_ms:attempt:payload` (payload `poison` is a job that can never
//! succeed). It runs until killed. Environment, all optional:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `METRICS_ADDR`, `ENABLE_METRICS`, `METRICS_*` | read by `instrument_metrics::install()` | `0.0.0.0:9000`, `true` |
//! | `WORKER_REDIS_URL` | the Redis to read | `redis://127.0.0.1:6379/` |
//! | `WORKER_QUEUE` | the list to consume; also `<queue>:processing` and `<queue>:dead` | `jobs` |
//! | `WORKER_MAX_ATTEMPTS` | attempts before a job is dead-lettered | `3` |
//! | `WORKER_FAILURE_RATE` | chance that an attempt fails (timeout or rejection) | `0.05` |
//! | `WORKER_SWEEP_EVERY` | seconds between sweeps | `5` |
//! | `WORKER_SWEEPS` | stop sweeping after this many (a cron job that silently stops) | sweep forever |
//! | `WORKER_SEED` | seed of the random timing and faults | the clock |

mod jobs;
mod queue;

use std::fmt;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use instrument_metrics_examples::knobs::{self, KnobError};
use instrument_metrics_examples::rng::Rng;
use redis::RedisError;

use jobs::{JobError, Work, dead_letter, handle_job, redeliver, sweep};
use queue::{Message, Queue};

/// How long one wait for a job may block, so that sweeps stay on time on an idle queue.
const TAKE_WAIT_SECONDS: f64 = 0.2;
/// How long to wait after Redis failed, before trying again.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
const QUEUE_WAIT: &str = "worker_queue_wait_duration_seconds";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("worker: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Why the worker could not start.
#[derive(Debug)]
enum StartError {
    Knob(KnobError),
    Metrics(instrument_metrics::Error),
    Redis(String, RedisError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Knob(error) => error.fmt(f),
            StartError::Metrics(error) => write!(f, "cannot serve metrics: {error}"),
            StartError::Redis(url, error) => write!(f, "cannot connect to {url}: {error}"),
        }
    }
}

/// What the environment asks of the worker.
struct Settings {
    redis_url: String,
    queue: String,
    max_attempts: u64,
    failure_rate: f64,
    sweep_every: Duration,
    sweeps: Option<u64>,
    seed: Option<u64>,
}

impl Settings {
    fn from_env() -> Result<Settings, KnobError> {
        let text = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Ok(Settings {
            redis_url: text("WORKER_REDIS_URL", "redis://127.0.0.1:6379/"),
            queue: text("WORKER_QUEUE", "jobs"),
            max_attempts: knobs::count("WORKER_MAX_ATTEMPTS")?.unwrap_or(3),
            failure_rate: knobs::probability("WORKER_FAILURE_RATE", 0.05)?,
            sweep_every: Duration::from_secs(knobs::count("WORKER_SWEEP_EVERY")?.unwrap_or(5)),
            sweeps: knobs::count("WORKER_SWEEPS")?,
            seed: knobs::seed("WORKER_SEED")?,
        })
    }
}

fn run() -> Result<(), StartError> {
    let settings = Settings::from_env().map_err(StartError::Knob)?;
    let exporter = instrument_metrics::install().map_err(StartError::Metrics)?;
    metrics::describe_histogram!(
        QUEUE_WAIT,
        metrics::Unit::Seconds,
        "Age of a job's message when the worker takes it: how long it waited in the queue since it was first enqueued, retries included."
    );
    metrics::describe_gauge!(
        "worker_queue_depth",
        "Messages on the worker's lists (ready, processing, dead), as of the last sweep."
    );
    let mut queue = Queue::open(&settings.redis_url, &settings.queue)
        .map_err(|error| StartError::Redis(settings.redis_url.clone(), error))?;
    match exporter.local_addr() {
        Some(addr) => println!(
            "serving metrics at http://{addr}/metrics; consuming {} at {}",
            settings.queue, settings.redis_url
        ),
        None => println!("consuming {} at {}", settings.queue, settings.redis_url),
    }
    let mut work = Work {
        rng: settings.seed.map_or_else(Rng::from_clock, Rng::seeded),
        failure_rate: settings.failure_rate,
    };
    let mut sweeps = 0_u64;
    let mut next_sweep = Instant::now();
    loop {
        if settings.sweeps.is_none_or(|limit| sweeps < limit) && Instant::now() >= next_sweep {
            sweeps += 1;
            next_sweep += settings.sweep_every;
            match sweep(&mut queue) {
                Ok(0) => {}
                Ok(reclaimed) => println!("worker: the sweep put back {reclaimed} abandoned jobs"),
                Err(error) => eprintln!("worker: the sweep failed: {error}"),
            }
        }
        if let Err(error) = next_job(&mut queue, &mut work, settings.max_attempts) {
            eprintln!("worker: redis: {error}");
            thread::sleep(RETRY_PAUSE);
        }
    }
}

/// Takes one job (waiting a moment for one), handles it, and settles it: done, back on the
/// queue, or dead.
fn next_job(queue: &mut Queue, work: &mut Work, max_attempts: u64) -> Result<(), RedisError> {
    let Some(raw) = queue.take(TAKE_WAIT_SECONDS)? else {
        return Ok(());
    };
    let Some(message) = Message::parse(&raw) else {
        eprintln!("worker: unreadable message {raw:?}");
        return dead_letter(queue, &raw, JobError::BadPayload);
    };
    metrics::histogram!(QUEUE_WAIT).record(message.age_seconds());
    match handle_job(&message, work) {
        Ok(()) => queue.finish(&raw),
        Err(error) if error.retryable() && u64::from(message.attempt) + 1 < max_attempts => {
            redeliver(queue, &raw, &message, error)
        }
        Err(error) => {
            eprintln!(
                "worker: job {} is dead after {} attempts: {error:?}",
                message.id,
                message.attempt + 1
            );
            dead_letter(queue, &raw, error)
        }
    }
}

//! What the worker does with a message, and the instrumented steps around it: handling a job,
//! redelivering it, dead-lettering it, and the periodic sweep.

use std::thread;
use std::time::Duration;

use instrument_metrics::{MetricLabel, Objective, instrument_metrics};
use instrument_metrics_examples::rng::Rng;
use redis::RedisError;

use crate::queue::{Message, Queue};

/// Why a job failed. As a `MetricLabel` each variant is a label value: `error` on
/// `handle_job`'s failed calls, `reason` on redeliveries and dead letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, MetricLabel)]
pub(crate) enum JobError {
    /// The downstream service did not answer in time: worth another attempt.
    #[metric_label(rename = "timeout")]
    Timeout,
    /// The downstream service refused the job for now: worth another attempt.
    #[metric_label(rename = "rejected")]
    Rejected,
    /// The message cannot be read or names no known job: no attempt will ever succeed.
    #[metric_label(rename = "bad_payload")]
    BadPayload,
}

impl JobError {
    pub(crate) fn retryable(self) -> bool {
        self != JobError::BadPayload
    }
}

/// What job handling promises: 99% of attempts succeed, 99% within 250 ms (a bucket bound of
/// the default buckets). The generated burn-rate rules page when it spends this budget too fast.
pub(crate) const JOBS: Objective = Objective::new("jobs")
    .success_rate(99.0)
    .latency(Duration::from_millis(250), 99.0);

/// The simulated downstream work and its faults.
pub(crate) struct Work {
    pub(crate) rng: Rng,
    /// The chance that an attempt fails with a timeout or a rejection.
    pub(crate) failure_rate: f64,
}

/// Handles one message: a few milliseconds of work against a downstream service that fails
/// now and then. A payload of `poison` is a job no attempt can do.
#[instrument_metrics(objective = JOBS)]
pub(crate) fn handle_job(message: &Message, work: &mut Work) -> Result<(), JobError> {
    if message.payload == "poison" {
        return Err(JobError::BadPayload);
    }
    thread::sleep(
        work.rng
            .jitter(Duration::from_millis(2), Duration::from_millis(20)),
    );
    if work.rng.chance(work.failure_rate) {
        return Err(if work.rng.chance(0.5) {
            JobError::Timeout
        } else {
            JobError::Rejected
        });
    }
    Ok(())
}

/// Puts a failed message back on the queue for its next attempt; counted by `reason`, in the
/// `worker_redeliveries` family.
#[instrument_metrics(name = "worker_redeliveries", labels(reason))]
pub(crate) fn redeliver(
    queue: &mut Queue,
    raw: &str,
    message: &Message,
    reason: JobError,
) -> Result<(), RedisError> {
    queue.requeue(raw, &message.retried())
}

/// Moves a message that will not succeed onto the dead-letter list; counted by `reason`, in
/// the `worker_dead_letters` family.
#[instrument_metrics(name = "worker_dead_letters", labels(reason))]
pub(crate) fn dead_letter(
    queue: &mut Queue,
    raw: &str,
    reason: JobError,
) -> Result<(), RedisError> {
    queue.bury(raw)
}

/// The periodic sweep: puts back messages a dead worker left on the processing list, and
/// reports the lists' lengths as `worker_queue_depth{list}` through the `metrics` facade. It
/// runs every few seconds: a minute without a successful sweep is `JobStale`.
#[instrument_metrics(last_success = "1m")]
pub(crate) fn sweep(queue: &mut Queue) -> Result<u64, RedisError> {
    let reclaimed = queue.reclaim()?;
    for (list, depth) in queue.depths()? {
        metrics::gauge!("worker_queue_depth", "list" => list).set(depth as f64);
    }
    Ok(reclaimed)
}

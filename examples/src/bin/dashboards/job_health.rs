//! The health of background work: how long ago a function with `last_success` last succeeded,
//! counted from the process's start while it has not succeeded since.

use crate::options::Options;
use instrument_metrics_names::{EXPECTED_INTERVAL_SUFFIX, LAST_SUCCESS_SUFFIX};

/// The process metric every instance exports (never prefixed by the namespace).
pub const PROCESS_START: &str = "process_start_time_seconds";

/// The labels that identify one function on one instance.
fn keys(options: &Options) -> String {
    options.by("instance, module, function")
}

/// Seconds since each function of `family` last succeeded: `time()` minus its last success, or
/// minus its process's start time while that is 0 (no success since the process started).
pub fn seconds_since_success(options: &Options, family: &str) -> String {
    let last = format!("{}{LAST_SUCCESS_SUFFIX}", options.name(family));
    format!(
        "time()\n- (\n  {last} > 0\n  or on ({keys})\n  {last} * 0 + on (job, instance) group_left () {PROCESS_START}\n)",
        keys = keys(options)
    )
}

/// The functions of `family` that have an expected interval and have not succeeded for longer
/// than it plus `--job-grace`. The value is the seconds since the last success.
pub fn stale_jobs(options: &Options, family: &str) -> String {
    format!(
        "{}\n> on ({})\n{}{EXPECTED_INTERVAL_SUFFIX} + {}",
        seconds_since_success(options, family),
        keys(options),
        options.name(family),
        options.job_grace_seconds
    )
}

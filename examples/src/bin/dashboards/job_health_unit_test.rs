//! `tests/job_health_test.yml`: background jobs with an expected interval of 15 minutes, one a
//! family: one that keeps succeeding, one that stops, one that never succeeds (on a process
//! started at minute 0, and on one started at minute 10), and one without an interval.

use crate::alerts::{Alert, Subject};
use crate::crafted::series;
use crate::job_health::PROCESS_START;
use crate::options::Options;
use crate::unit_tests::{AlertCheck, ExpectedAlert, Layout, UnitTest, unit_test_file_of};
use instrument_metrics_names::{EXPECTED_INTERVAL_SUFFIX, LAST_SUCCESS_SUFFIX};

const INTERVAL_MINUTES: u64 = 15;
const JOB: &str = "worker";
const MODULE: &str = "worker::jobs";

pub fn job_health_test_file(options: &Options) -> String {
    let layout = Layout {
        rule_files: &["job_health_rules.yml"],
        tick_seconds: 60,
        note: "One sample a minute; promtool's clock starts at Unix time 0, so a timestamp of 60 is minute 1.",
    };
    let tests: Vec<UnitTest> = options
        .families
        .iter()
        .map(|family| family_test(options, family))
        .collect();
    unit_test_file_of(
        options,
        "Background jobs: JobStale quiet the minute before it fires and firing at its minute.",
        &layout,
        &tests,
    )
}

/// One crafted job: where it runs, and the minute of its last success at each minute (0 for
/// none yet).
struct Job {
    function: &'static str,
    instance: &'static str,
    /// The minute its process started.
    started: u64,
    last_success: fn(u64) -> u64,
    interval: bool,
}

const JOBS: [Job; 5] = [
    // Succeeds at minutes 1, 16, 31, ...
    Job {
        function: "sweep",
        instance: "worker-1:9000",
        started: 0,
        last_success: |minute| {
            if minute == 0 {
                0
            } else {
                (minute - 1) / 15 * 15 + 1
            }
        },
        interval: true,
    },
    // Succeeds at minutes 2, 17 and 32, then never again.
    Job {
        function: "compact",
        instance: "worker-1:9000",
        started: 0,
        last_success: |minute| match minute {
            0 | 1 => 0,
            _ => ((minute - 2) / 15).min(2) * 15 + 2,
        },
        interval: true,
    },
    Job {
        function: "reindex",
        instance: "worker-1:9000",
        started: 0,
        last_success: |_| 0,
        interval: true,
    },
    // The same job on a process that started at minute 10.
    Job {
        function: "reindex",
        instance: "worker-2:9000",
        started: 10,
        last_success: |_| 0,
        interval: true,
    },
    // No expected interval: never stale.
    Job {
        function: "export",
        instance: "worker-1:9000",
        started: 0,
        last_success: |_| 0,
        interval: false,
    },
];

impl Job {
    /// Seconds since the last success (or the start) at `minute`.
    fn age(&self, minute: u64) -> u64 {
        let since = match (self.last_success)(minute) {
            0 => self.started,
            last => last,
        };
        (minute - since) * 60
    }

    fn stale(&self, options: &Options, minute: u64) -> bool {
        self.interval
            && minute >= self.started
            && self.age(minute) > INTERVAL_MINUTES * 60 + options.job_grace_seconds
    }
}

fn family_test(options: &Options, family: &str) -> UnitTest {
    let full = options.name(family);
    let kept: Vec<(&str, &str)> = options
        .keep
        .iter()
        .map(|label| (label.as_str(), "prod"))
        .collect();
    let horizon = 600;
    let first_stale: Vec<u64> = JOBS
        .iter()
        .filter_map(|job| (0..horizon).find(|minute| job.stale(options, *minute)))
        .collect();
    let minutes = first_stale.iter().max().copied().unwrap_or(0) + 1;

    let labels = |job: &Job| {
        let rest = [
            ("instance", job.instance),
            ("module", MODULE),
            ("function", job.function),
        ];
        [&[("job", JOB)], &kept[..], &rest[..]].concat()
    };
    // Before its process started, a job has no series.
    let from_start = |job: &Job, value: &dyn Fn(u64) -> String| {
        let missing = (job.started > 0).then(|| format!("_x{}", job.started));
        let values = (job.started..=minutes).map(value);
        missing
            .into_iter()
            .chain(values)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut input = Vec::new();
    let mut instances: Vec<(&str, u64)> = Vec::new();
    for job in &JOBS {
        input.push((
            series(&format!("{full}{LAST_SUCCESS_SUFFIX}"), &labels(job)),
            from_start(job, &|minute| ((job.last_success)(minute) * 60).to_string()),
        ));
        if job.interval {
            input.push((
                series(&format!("{full}{EXPECTED_INTERVAL_SUFFIX}"), &labels(job)),
                from_start(job, &|_| (INTERVAL_MINUTES * 60).to_string()),
            ));
        }
        if !instances.contains(&(job.instance, job.started)) {
            instances.push((job.instance, job.started));
            let process = [&[("job", JOB)], &kept[..], &[("instance", job.instance)]].concat();
            input.push((
                series(PROCESS_START, &process),
                from_start(job, &|_| (job.started * 60).to_string()),
            ));
        }
    }

    let alert = Alert::JobStale { family };
    let firing_at = |minute: u64| -> Vec<ExpectedAlert> {
        JOBS.iter()
            .filter(|job| job.stale(options, minute))
            .map(|job| {
                let who = format!("{MODULE}::{} on {}", job.function, job.instance);
                let value = alert.value_text(job.age(minute) as f64);
                let subject = Subject {
                    who: &who,
                    job: JOB,
                    value: &value,
                };
                ExpectedAlert::new(options, &alert, &labels(job), &subject)
            })
            .collect()
    };
    let mut check_minutes: Vec<u64> = first_stale
        .iter()
        .flat_map(|minute| [minute - 1, *minute])
        .collect();
    check_minutes.push(minutes);
    check_minutes.sort_unstable();
    check_minutes.dedup();
    let alerts = check_minutes
        .into_iter()
        .map(|minute| AlertCheck::new(minute, alert.name(), firing_at(minute)))
        .collect();
    UnitTest {
        name: format!(
            "{full}: every {INTERVAL_MINUTES}m, grace {}: sweep keeps succeeding, compact stops after minute 32, reindex never succeeds (processes started at minutes 0 and 10), export has no interval; stale from minutes {first_stale:?}",
            options.job_grace
        ),
        series: input,
        alerts,
        exprs: Vec::new(),
    }
}

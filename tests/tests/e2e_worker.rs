//! The worker example against a real Redis (Debian's `redis-server` on a free loopback port),
//! scraped every second by a real Prometheus that loads every generated rule file, written with
//! the objective windows shortened 60 times (`--window-divisor 60`: 1h is 60 s).
//!
//! Jobs are pushed with a RESP client of the test's own while the worker fails half its
//! attempts. Every job ends done or dead-lettered, and the worker's own counts add up exactly:
//! attempts by `JobError` variant, redeliveries and dead letters by reason, the lists in Redis,
//! the message-age histogram of the `metrics` facade; Prometheus scraped the same numbers and
//! every rule evaluates.
//!
//! The worker declares an objective on `handle_job` and `last_success = "1m"` on its sweep, so
//! while it fails half its jobs every SLO dashboard expression returns data, the recorded burn
//! rates exceed 14.4 within a minute and a page fires; the sweep, stopped after three runs,
//! raises the stale-job expression, not at once but after its interval.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::dashboards::{all_value, generate, panel_queries, read, read_json, substitute};
use support::examples::Served;
use support::exposition::{self, Sample};
use support::http::encode_query_value;
use support::process::{poll, require_on_path};
use support::prometheus;
use support::redis;
use support::rules::rules;
use support::scratch::ScratchDir;

const RULE_FILES: [&str; 4] = [
    "recording_rules.yml",
    "alert_rules.yml",
    "slo_rules.yml",
    "job_health_rules.yml",
];
const QUEUE: &str = "jobs";
/// Jobs pushed every [`PUSH_EVERY`], for [`PRODUCING`]: 20 a second, a fraction of what one
/// worker handles (2 to 20 ms a job).
const BATCH: u64 = 4;
const PUSH_EVERY: Duration = Duration::from_millis(200);
const PRODUCING: Duration = Duration::from_secs(20);
const MAX_ATTEMPTS: u64 = 3;
/// The worker sweeps every second, three times, then stops.
const SWEEPS: u64 = 3;
const SETTLE_LIMIT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(200);

#[test]
#[ignore = "needs redis-server and prometheus; run by scripts/test"]
fn a_worker_retries_and_dead_letters_redis_jobs_and_feeds_the_generated_rules() {
    let redis_binary = require_on_path("redis-server", "redis-server");
    let prometheus_binary = require_on_path("prometheus", "prometheus");
    let scratch = ScratchDir::new("e2e-worker");
    let rule_dir = scratch.join("rules");
    generate(
        &rule_dir,
        &[
            "--window-divisor",
            "60",
            "--min-events",
            "1",
            "--job-grace",
            "2s",
        ],
    );
    let (redis_addr, _redis) = redis::start(&redis_binary, scratch.path());
    let mut worker = Served::start(
        &scratch,
        "worker",
        &[
            ("WORKER_REDIS_URL", format!("redis://{redis_addr}/")),
            ("WORKER_QUEUE", QUEUE.to_owned()),
            ("WORKER_FAILURE_RATE", "0.5".to_owned()),
            ("WORKER_MAX_ATTEMPTS", MAX_ATTEMPTS.to_string()),
            ("WORKER_SWEEP_EVERY", "1".to_owned()),
            ("WORKER_SWEEPS", SWEEPS.to_string()),
            ("WORKER_SEED", "17".to_owned()),
        ],
    );
    let config = scratch.join("prometheus.yml");
    std::fs::write(&config, prometheus_config(worker.addr, &rule_dir))
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", config.display()));
    let (prometheus_addr, mut prometheus_process) =
        prometheus::start(&prometheus_binary, &scratch, &config);
    let query = |expr: &str| instant(prometheus_addr, expr);
    poll(SETTLE_LIMIT, POLL_INTERVAL, || {
        let up = query(r#"up{job="worker"}"#)?;
        (values(&up) == [1.0])
            .then_some(())
            .ok_or(format!("worker not up yet: {up}"))
    })
    .unwrap_or_else(|why| panic!("{why}\n{}", prometheus_process.output()));

    // A job that can never succeed and a message that does not parse, then a steady stream.
    let push = |messages: &[String]| {
        let mut args = vec!["LPUSH", QUEUE];
        args.extend(messages.iter().map(String::as_str));
        redis::command(redis_addr, &args).unwrap_or_else(|why| panic!("{why}"));
    };
    push(&[message(0, "poison"), "garbage".to_owned()]);
    let started = Instant::now();
    let mut pushed = 0;
    let producer = thread::spawn(move || {
        let mut pushed = 0;
        while started.elapsed() < PRODUCING {
            let batch: Vec<String> = (0..BATCH)
                .map(|index| message(pushed + index + 1, "resize"))
                .collect();
            let mut args = vec!["LPUSH", QUEUE];
            args.extend(batch.iter().map(String::as_str));
            redis::command(redis_addr, &args).unwrap_or_else(|why| panic!("{why}"));
            pushed += BATCH;
            thread::sleep(PUSH_EVERY);
        }
        pushed
    });
    objectives_and_stale_sweep(prometheus_addr, &rule_dir);
    pushed += producer.join().expect("the producer");

    // Every job ends done or dead: the queue and the processing list drain, and the counts stop.
    poll(SETTLE_LIMIT, POLL_INTERVAL, || {
        let waiting = redis::length(redis_addr, QUEUE)?
            + redis::length(redis_addr, &format!("{QUEUE}:processing"))?;
        (waiting == 0)
            .then_some(())
            .ok_or(format!("{waiting} jobs still waiting"))
    })
    .unwrap_or_else(|why| panic!("{why}\n{}", worker.process.output()));
    let samples = worker_samples(&mut worker);
    let count = |name: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .filter(|sample| {
                sample.name == name
                    && labels
                        .iter()
                        .all(|(label, value)| sample.label(label) == *value)
            })
            .map(|sample| sample.value)
            .sum()
    };
    let attempts = |result: &str, error: &str| {
        let mut labels = vec![("function", "handle_job"), ("result", result)];
        if !error.is_empty() {
            labels.push(("error", error));
        }
        count("function_calls_total", &labels)
    };
    let reason = |family: &str, reason: &str| {
        count(
            &format!("{family}_total"),
            &[("reason", reason), ("result", "ok")],
        )
    };
    let ok = attempts("ok", "");
    let [timeouts, rejections, bad_payloads] =
        ["timeout", "rejected", "bad_payload"].map(|error| attempts("error", error));
    let [dead_timeouts, dead_rejections, dead_bad] =
        ["timeout", "rejected", "bad_payload"].map(|error| reason("worker_dead_letters", error));
    let redelivered =
        reason("worker_redeliveries", "timeout") + reason("worker_redeliveries", "rejected");
    let all_attempts = ok + timeouts + rejections + bad_payloads;
    let context = format!(
        "pushed {pushed} jobs; ok {ok}, timeouts {timeouts}, rejections {rejections}, bad {bad_payloads}; \
         dead {dead_timeouts}/{dead_rejections}/{dead_bad}; redelivered {redelivered}"
    );
    // The worker failed about half its attempts, by both retryable variants.
    assert!(
        timeouts > 0.0
            && rejections > 0.0
            && (0.3..0.7).contains(&((timeouts + rejections) / all_attempts)),
        "{context}"
    );
    // Each job the producer pushed ended done or dead by a retryable error; the poison job and
    // the unreadable message are the dead `bad_payload` ones below.
    assert_eq!(
        ok + dead_timeouts + dead_rejections,
        pushed as f64,
        "{context}"
    );
    assert_eq!(bad_payloads, 1.0, "the poison job, once: {context}");
    assert_eq!(
        dead_bad, 2.0,
        "the poison job and the unreadable message: {context}"
    );
    // A failed attempt is redelivered unless it was the last one.
    assert_eq!(
        redelivered,
        timeouts + rejections - dead_timeouts - dead_rejections,
        "{context}"
    );
    assert!(dead_timeouts + dead_rejections > 0.0, "{context}");
    assert_eq!(
        redis::length(redis_addr, &format!("{QUEUE}:dead")).unwrap_or_else(|why| panic!("{why}")),
        (dead_timeouts + dead_rejections + dead_bad) as i64,
        "{context}"
    );
    // The facade's histogram saw every message that parsed, once per attempt.
    assert_eq!(
        count("worker_queue_wait_duration_seconds_count", &[]),
        all_attempts,
        "{context}"
    );
    assert!(count("worker_queue_wait_duration_seconds_sum", &[]) > 0.0);
    assert_eq!(
        count(
            "function_calls_total",
            &[("function", "sweep"), ("result", "ok")]
        ),
        SWEEPS as f64
    );
    // JobStale counts from the process's start before a job's first success.
    assert!(
        count("process_start_time_seconds", &[]) > 0.0,
        "the worker exports no process_start_time_seconds"
    );

    // Prometheus scraped the same counts, and every rule of every file evaluates.
    poll(SETTLE_LIMIT, POLL_INTERVAL, || {
        let answer = query(r#"sum(function_calls_total{job="worker", function="handle_job"})"#)?;
        (values(&answer) == [all_attempts])
            .then_some(())
            .ok_or(format!(
                "Prometheus has {answer}, the worker counted {all_attempts}"
            ))
    })
    .unwrap_or_else(|why| panic!("{why}"));
    let rule_count: usize = RULE_FILES
        .iter()
        .map(|file| rules(&read(&rule_dir.join(file))).len())
        .sum();
    prometheus::wait_until_rules_healthy(prometheus_addr, rule_count, SETTLE_LIMIT)
        .unwrap_or_else(|why| panic!("{why}\n{}", prometheus_process.output()));
    let p99 = query(
        "histogram_quantile(0.99, sum by (le) (rate(worker_queue_wait_duration_seconds_bucket[1m])))",
    )
    .unwrap_or_else(|why| panic!("{why}"));
    assert!(
        values(&p99)
            .first()
            .is_some_and(|p99| p99.is_finite() && *p99 >= 0.0),
        "the message-age histogram has buckets: {p99}"
    );
}

/// While the worker fails half its jobs, the burn rates pass 14.4 and page and the SLO
/// dashboard answers; then the stopped sweep goes stale.
fn objectives_and_stale_sweep(prometheus_addr: SocketAddr, rule_dir: &Path) {
    let query = |expr: &str| instant(prometheus_addr, expr);
    let burning = poll(Duration::from_secs(60), POLL_INTERVAL, || {
        let long = query(r#"objective:error_burn_rate:rate1h{objective="jobs"}"#)?;
        let short = query(r#"objective:error_burn_rate:rate5m{objective="jobs"}"#)?;
        match (values(&long).as_slice(), values(&short).as_slice()) {
            ([long], [short]) if *long > 14.4 && *short > 14.4 => Ok((*long, *short)),
            _ => Err(format!("burn rates 1h {long}, 5m {short}")),
        }
    })
    .unwrap_or_else(|why| panic!("{why}"));
    eprintln!("burn rates (1h, 5m) with half the jobs failing: {burning:?}");
    poll(Duration::from_secs(10), POLL_INTERVAL, || {
        let alerts = prometheus::api(prometheus_addr, "/api/v1/alerts")?;
        let paging = alerts["data"]["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|alert| {
                alert["labels"]["alertname"] == "ErrorBudgetBurn"
                    && alert["labels"]["severity"] == "page"
                    && alert["state"] == "firing"
            });
        paging.then_some(()).ok_or(format!("no page yet: {alerts}"))
    })
    .unwrap_or_else(|why| panic!("{why}"));
    // Every SLO dashboard query has data, with the objective variable at "All".
    let dashboard = read_json(&rule_dir.join("slo.json"));
    for panel_query in panel_queries(&dashboard) {
        let expr = substitute(&panel_query.expr, all_value).unwrap_or_else(|why| panic!("{why}"));
        let answer = query(&expr).unwrap_or_else(|why| panic!("{}: {why}", panel_query.panel));
        assert!(
            !values(&answer).is_empty(),
            "slo.json: {} ({}) has no data: {expr}",
            panel_query.panel,
            panel_query.ref_id
        );
    }
    // The sweep ran three times in the first seconds and stopped; with an interval of 1m and a
    // grace of 2s it is stale about 62 s after its last success, and not before.
    let stale_expr = rules(&read(&rule_dir.join("job_health_rules.yml")))[0]
        .expr
        .clone();
    let sweep_stale = |answer: &Value| {
        answer["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|series| series["metric"]["function"] == "sweep")
    };
    let early = query(&stale_expr).unwrap_or_else(|why| panic!("{why}"));
    assert!(!sweep_stale(&early), "stale at once: {early}");
    poll(Duration::from_secs(90), Duration::from_secs(1), || {
        let answer = query(&stale_expr)?;
        sweep_stale(&answer)
            .then_some(())
            .ok_or(format!("the sweep is not stale yet: {answer}"))
    })
    .unwrap_or_else(|why| panic!("{why}"));
}

/// `id:now_ms:0:payload`.
fn message(id: u64, payload: &str) -> String {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    format!("{id}:{now_ms}:0:{payload}")
}

fn prometheus_config(worker: SocketAddr, rule_dir: &Path) -> String {
    let rule_files: String = RULE_FILES
        .iter()
        .map(|file| format!("  - '{}'\n", rule_dir.join(file).display()))
        .collect();
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n{rule_files}\
         scrape_configs:\n  - job_name: worker\n    static_configs:\n      - targets: ['{worker}']\n"
    )
}

fn worker_samples(worker: &mut Served) -> Vec<Sample> {
    let text = worker.scrape_until(SETTLE_LIMIT, |_| Ok(()));
    exposition::parse(&text).unwrap_or_else(|why| panic!("{why}"))
}

fn instant(addr: SocketAddr, expr: &str) -> Result<Value, String> {
    prometheus::api(
        addr,
        &format!("/api/v1/query?query={}", encode_query_value(expr)),
    )
    .map_err(|why| format!("{expr}: {why}"))
}

/// The values of a vector answer.
fn values(answer: &Value) -> Vec<f64> {
    answer["data"]["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|series| series["value"][1].as_str()?.parse().ok())
        .collect()
}

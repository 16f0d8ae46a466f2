//! End to end: the `batch` example pushes to a real `prometheus-pushgateway`, and after it has
//! exited the gateway serves its exact final counts; a gateway that is not there makes the batch
//! fail, naming it. Over HTTPS with basic auth (the gateway's `--web.config.file`, certificates
//! made by the test, the password's bcrypt hash): the counts arrive, wrong credentials fail the
//! job naming the gateway and the status; a gateway down for the first pushes and up later
//! receives the final push.
//!
//! These tests need `prometheus-pushgateway` (Debian's package of that name), so they are
//! ignored by default; `scripts/test` installs it and runs them with `--include-ignored`. A
//! missing binary fails the test: it never passes by skipping.

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::examples::{self, Finished, run_to_exit};
use support::exposition::{self, Sample};
use support::http;
use support::process::{ChildGuard, free_loopback_addr, poll, require_on_path, serve_on_free_port};
use support::scratch::ScratchDir;
use support::tls::{self, Authority};

/// The batch's instrumented functions.
const STAGES: [&str; 4] = ["export", "fetch_invoice", "validate", "upload"];

/// The batch rejects every invoice whose number is a multiple of this.
const REJECT_EVERY: u64 = 25;

const STARTUP_LIMIT: Duration = Duration::from_secs(30);
/// A batch of a few hundred items takes about a second.
const BATCH_LIMIT: Duration = Duration::from_secs(60);

#[test]
#[ignore = "needs prometheus-pushgateway; run by scripts/test"]
fn final_counts_are_on_the_gateway_after_the_batch_exits() {
    let scratch = ScratchDir::new("e2e-push-final");
    let gateway = Pushgateway::start(&scratch);
    let items = 200;
    // The default interval (10 s) is longer than the job: only the final push can deliver.
    let finished = run_batch(&scratch, "batch-final", &gateway, items);
    assert!(
        finished.took < Duration::from_secs(10),
        "the batch took {:?}: a periodic push may have delivered the counts",
        finished.took
    );

    let samples = gateway.samples();
    assert_final_counts(&samples, "batch-final", items);
    let build_info = of_job(&samples, "build_info", "batch-final");
    assert_eq!(build_info.len(), 1, "{build_info:?}");
    assert_eq!(
        build_info[0].label("name"),
        "instrument-metrics-examples",
        "{build_info:?}"
    );
    assert_eq!(
        build_info[0].label("version"),
        env!("CARGO_PKG_VERSION"),
        "{build_info:?}"
    );
    // The gateway's own record of the push, under the same grouping key.
    assert_eq!(
        of_job(&samples, "push_failure_time_seconds", "batch-final")
            .iter()
            .map(|sample| sample.value)
            .collect::<Vec<_>>(),
        [0.0],
        "the gateway recorded a failed push"
    );
    assert!(
        of_job(&samples, "push_time_seconds", "batch-final")
            .iter()
            .any(|sample| sample.value > 0.0),
        "no push_time_seconds"
    );
}

#[test]
#[ignore = "needs prometheus-pushgateway; run by scripts/test"]
fn periodic_pushes_show_progress_and_the_final_push_the_end() {
    let scratch = ScratchDir::new("e2e-push-periodic");
    let gateway = Pushgateway::start(&scratch);
    let items = 600;
    let mut command = batch_command(&gateway, "batch-periodic", items);
    command.env("METRICS_PUSH_INTERVAL", "50ms");
    let mut process = ChildGuard::spawn("batch-periodic", command, scratch.path());

    // While the batch runs, the gateway shows counts between none and all of them.
    let mut seen_progress = Vec::new();
    let status = poll(BATCH_LIMIT, Duration::from_millis(20), || {
        let fetched: f64 = calls(&gateway.samples(), "batch-periodic", "fetch_invoice", None);
        if fetched > 0.0 && fetched < items as f64 {
            seen_progress.push(fetched);
        }
        process.exited().ok_or_else(|| "still running".to_owned())
    })
    .unwrap_or_else(|error| panic!("{error}\n{}", process.output()));
    assert!(
        status.success(),
        "the batch exited with {status}\n{}",
        process.output()
    );
    assert!(
        !seen_progress.is_empty(),
        "no periodic push showed partial progress\n{}",
        process.output()
    );

    assert_final_counts(&gateway.samples(), "batch-periodic", items);
}

#[test]
#[ignore = "needs prometheus-pushgateway; run by scripts/test"]
fn an_unreachable_gateway_fails_the_batch_naming_it() {
    let scratch = ScratchDir::new("e2e-push-closed");
    // A port nobody listens on: the probe's listener is closed again.
    let closed = free_loopback_addr();
    let url = format!("http://{closed}");
    let mut command = examples::command("batch");
    command
        .env("METRICS_PUSH_GATEWAY", &url)
        .env("BATCH_ITEMS", "20");
    let finished = run_to_exit(&scratch, "batch-closed", command, BATCH_LIMIT);

    assert!(
        !finished.status.success(),
        "the batch exited with {} although its final push cannot have worked\n{finished:#?}",
        finished.status
    );
    assert!(
        finished.stderr.contains(&url),
        "stderr does not name the gateway {url}:\n{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains("metrics were lost"),
        "stderr does not say what failed:\n{}",
        finished.stderr
    );
    // The job's own work was done.
    assert!(
        finished
            .stdout
            .contains("exported 20 invoices: 20 uploaded, 0 rejected"),
        "{finished:#?}"
    );
}

const PUSH_USER: &str = "batch-pusher";
const PUSH_PASSWORD: &str = "correct horse battery staple";

/// A gateway speaking HTTPS and requiring basic auth, and the files a pusher needs.
struct Secured {
    gateway: Pushgateway,
    ca_file: PathBuf,
    password_file: PathBuf,
}

impl Secured {
    fn start(scratch: &ScratchDir) -> Secured {
        let authority = Authority::new(scratch, "gateway");
        let server = authority.server(scratch, "pushgateway");
        let web_config = scratch.join("web-config.yml");
        let hash = bcrypt::hash(PUSH_PASSWORD, 4).expect("a bcrypt hash");
        std::fs::write(
            &web_config,
            format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  {PUSH_USER}: '{hash}'\n",
                server.cert_file.display(),
                server.key_file.display()
            ),
        )
        .unwrap();
        let password_file = scratch.join("push-password");
        std::fs::write(&password_file, format!("{PUSH_PASSWORD}\n")).unwrap();
        let gateway = Pushgateway::start_secured(scratch, &web_config, &authority.ca_file);
        Secured {
            gateway,
            ca_file: authority.ca_file,
            password_file,
        }
    }

    fn batch(&self, job: &str, items: u64, password_file: &Path) -> Command {
        let mut command = batch_command(&self.gateway, job, items);
        command
            .env("METRICS_PUSH_USERNAME", PUSH_USER)
            .env("METRICS_PUSH_PASSWORD_FILE", password_file)
            .env("METRICS_PUSH_CA_FILE", &self.ca_file);
        command
    }
}

#[test]
#[ignore = "needs prometheus-pushgateway; run by scripts/test"]
fn pushes_over_https_with_basic_auth() {
    let scratch = ScratchDir::new("e2e-push-https");
    let secured = Secured::start(&scratch);
    let items = 100;
    let command = secured.batch("batch-https", items, &secured.password_file);
    let finished = run_to_exit(&scratch, "batch-https", command, BATCH_LIMIT);
    assert!(finished.status.success(), "{finished:#?}");
    assert!(secured.gateway.url().starts_with("https://"));
    assert_final_counts(&secured.gateway.samples(), "batch-https", items);
}

#[test]
#[ignore = "needs prometheus-pushgateway; run by scripts/test"]
fn wrong_credentials_fail_the_job_naming_the_gateway_and_the_status() {
    let scratch = ScratchDir::new("e2e-push-https-wrong");
    let secured = Secured::start(&scratch);
    let wrong = scratch.join("wrong-password");
    std::fs::write(&wrong, "not the password").unwrap();
    let command = secured.batch("batch-wrong", 20, &wrong);
    let finished = run_to_exit(&scratch, "batch-wrong", command, BATCH_LIMIT);
    assert!(!finished.status.success(), "{finished:#?}");
    let url = secured.gateway.url();
    assert!(
        finished.stderr.contains(&url) && finished.stderr.contains("401"),
        "stderr names neither {url} nor the status 401:\n{}",
        finished.stderr
    );
    for secret in ["not the password", PUSH_PASSWORD] {
        assert!(!finished.stderr.contains(secret), "{}", finished.stderr);
        assert!(!finished.stdout.contains(secret), "{}", finished.stdout);
    }
    // A refusal is not retried for long: the job fails at once.
    assert!(
        finished.took < Duration::from_secs(15),
        "{:?}",
        finished.took
    );
    assert_eq!(
        calls(&secured.gateway.samples(), "batch-wrong", "export", None),
        0.0,
        "the gateway took a push with wrong credentials"
    );
}

#[test]
#[ignore = "needs prometheus-pushgateway; run by scripts/test"]
fn a_gateway_down_at_first_receives_the_final_push() {
    let scratch = ScratchDir::new("e2e-push-late");
    let addr = free_loopback_addr();
    let url = format!("http://{addr}");
    let items = 1000;
    let mut command = examples::command("batch");
    command
        .env("METRICS_PUSH_GATEWAY", &url)
        .env("METRICS_PUSH_JOB", "batch-late")
        .env("METRICS_PUSH_INTERVAL", "100ms")
        .env("BATCH_ITEMS", items.to_string());
    let mut batch = ChildGuard::spawn("batch-late", command, scratch.path());
    // Several periodic pushes find nothing listening.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        batch.exited().is_none(),
        "the batch ended before the gateway came up: {}",
        batch.output()
    );
    let gateway = Pushgateway::start_at(&scratch, addr);
    let status = poll(BATCH_LIMIT, Duration::from_millis(20), || {
        batch.exited().ok_or_else(|| "still running".to_owned())
    })
    .unwrap_or_else(|error| panic!("{error}\n{}", batch.output()));
    assert!(status.success(), "{}", batch.output());
    assert_final_counts(&gateway.samples(), "batch-late", items);
}

/// The batch's counts for `items` invoices under `job`, exactly: every invoice is fetched and
/// validated, every 25th is rejected, the rest are uploaded, and the whole job ran once.
fn assert_final_counts(samples: &[Sample], job: &str, items: u64) {
    let rejected = (items / REJECT_EVERY) as f64;
    let items = items as f64;
    for (function, result, expected) in [
        ("export", "ok", 1.0),
        ("fetch_invoice", "ok", items),
        ("validate", "ok", items - rejected),
        ("validate", "error", rejected),
        ("upload", "ok", items - rejected),
    ] {
        assert_eq!(
            calls(samples, job, function, Some(result)),
            expected,
            "function_calls_total{{job={job:?},function={function:?},result={result:?}}} on the gateway"
        );
    }
    for function in STAGES {
        assert_eq!(
            calls(samples, job, function, Some("panic"))
                + calls(samples, job, function, Some("cancelled")),
            0.0,
            "{function}"
        );
        let in_flight = of_job(samples, "function_calls_in_flight", job);
        assert!(
            in_flight
                .iter()
                .any(|sample| sample.label("function") == function && sample.value == 0.0),
            "function_calls_in_flight of {function} is not 0 at the end: {in_flight:?}"
        );
        let counted: f64 = of_job(samples, "function_calls_duration_seconds_count", job)
            .iter()
            .filter(|sample| sample.label("function") == function)
            .map(|sample| sample.value)
            .sum();
        assert_eq!(
            counted,
            calls(samples, job, function, None),
            "{function}: histogram _count vs calls"
        );
    }
    let instance = hostname();
    for sample in samples.iter().filter(|sample| sample.label("job") == job) {
        assert_eq!(sample.label("instance"), instance, "{sample:?}");
    }
}

/// `function_calls_total` of `function` under `job`, for one `result` or summed over all.
fn calls(samples: &[Sample], job: &str, function: &str, result: Option<&str>) -> f64 {
    of_job(samples, "function_calls_total", job)
        .iter()
        .filter(|sample| sample.label("function") == function)
        .filter(|sample| result.is_none_or(|result| sample.label("result") == result))
        .map(|sample| sample.value)
        .sum()
}

fn of_job<'a>(samples: &'a [Sample], name: &str, job: &str) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|sample| sample.name == name && sample.label("job") == job)
        .collect()
}

/// The `instance` the exporter pushes as.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

fn batch_command(gateway: &Pushgateway, job: &str, items: u64) -> Command {
    let mut command = examples::command("batch");
    command
        .env("METRICS_PUSH_GATEWAY", gateway.url())
        .env("METRICS_PUSH_JOB", job)
        .env("BATCH_ITEMS", items.to_string());
    command
}

/// Runs the batch to its end and requires it to succeed.
fn run_batch(scratch: &ScratchDir, job: &str, gateway: &Pushgateway, items: u64) -> Finished {
    let command = batch_command(gateway, job, items);
    let finished = run_to_exit(scratch, job, command, BATCH_LIMIT);
    assert!(
        finished.status.success(),
        "the batch exited with {}\n{finished:#?}",
        finished.status
    );
    let summary = format!(
        "exported {items} invoices: {} uploaded, {} rejected",
        items - items / REJECT_EVERY,
        items / REJECT_EVERY
    );
    assert!(finished.stdout.contains(&summary), "{finished:#?}");
    finished
}

/// A Pushgateway on a loopback port, keeping metrics in memory only.
struct Pushgateway {
    addr: SocketAddr,
    process: ChildGuard,
    /// The CA file and the `Authorization` header of a gateway with a web config.
    secured: Option<(PathBuf, String)>,
}

impl Pushgateway {
    fn start(scratch: &ScratchDir) -> Pushgateway {
        let binary = require_on_path("prometheus-pushgateway", "prometheus-pushgateway");
        let (addr, process) = serve_on_free_port(
            scratch.path(),
            "pushgateway",
            "the pushgateway",
            STARTUP_LIMIT,
            examples::POLL_INTERVAL,
            |addr, _| gateway_command(&binary, scratch, addr),
            |addr| http::get_ok(addr, "/-/ready").map(drop),
        );
        Pushgateway {
            addr,
            process,
            secured: None,
        }
    }

    /// A plain gateway on `addr`, which must be free.
    fn start_at(scratch: &ScratchDir, addr: SocketAddr) -> Pushgateway {
        let binary = require_on_path("prometheus-pushgateway", "prometheus-pushgateway");
        let command = gateway_command(&binary, scratch, addr);
        let mut process = ChildGuard::spawn("pushgateway-late", command, scratch.path());
        poll(STARTUP_LIMIT, examples::POLL_INTERVAL, || {
            http::get_ok(addr, "/-/ready").map(drop)
        })
        .unwrap_or_else(|error| panic!("{error}\n{}", process.output()));
        Pushgateway {
            addr,
            process,
            secured: None,
        }
    }

    /// A gateway with `web_config` (TLS with a certificate of the CA in `ca_file`, basic auth).
    fn start_secured(scratch: &ScratchDir, web_config: &Path, ca_file: &Path) -> Pushgateway {
        let binary = require_on_path("prometheus-pushgateway", "prometheus-pushgateway");
        let authorization = basic_authorization(PUSH_USER, PUSH_PASSWORD);
        let (addr, process) = serve_on_free_port(
            scratch.path(),
            "pushgateway",
            "the pushgateway (HTTPS, basic auth)",
            STARTUP_LIMIT,
            examples::POLL_INTERVAL,
            |addr, _| {
                let mut command = gateway_command(&binary, scratch, addr);
                command.arg(format!("--web.config.file={}", web_config.display()));
                command
            },
            |addr| {
                let headers = [("Authorization", authorization.as_str())];
                match tls::get(addr, "/-/ready", &ca_file.to_path_buf(), None, &headers)? {
                    response if response.status == 200 => Ok(()),
                    response => Err(format!("/-/ready answered {response:?}")),
                }
            },
        );
        Pushgateway {
            addr,
            process,
            secured: Some((ca_file.to_path_buf(), authorization)),
        }
    }

    fn url(&self) -> String {
        match self.secured {
            // The certificate names localhost.
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://{}", self.addr),
        }
    }

    /// Everything the gateway serves at `/metrics`: the pushed groups and its own metrics.
    fn samples(&self) -> Vec<Sample> {
        let response = match &self.secured {
            Some((ca_file, authorization)) => tls::get(
                self.addr,
                "/metrics",
                ca_file,
                None,
                &[("Authorization", authorization)],
            ),
            None => http::get(self.addr, "/metrics"),
        }
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status, 200, "{response:?}");
        let text = response.text().unwrap_or_else(|error| panic!("{error}"));
        exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
    }
}

fn gateway_command(binary: &Path, scratch: &ScratchDir, addr: SocketAddr) -> Command {
    let mut command = Command::new(binary);
    command
        .arg(format!("--web.listen-address={addr}"))
        .arg("--persistence.file=")
        .current_dir(scratch.path());
    command
}

/// `Basic <base64 of user:password>`, computed by python3's base64 module.
fn basic_authorization(user: &str, password: &str) -> String {
    let output = Command::new(require_on_path("python3", "python3"))
        .args([
            "-c",
            "import base64, sys; print(base64.b64encode(sys.argv[1].encode()).decode())",
            &format!("{user}:{password}"),
        ])
        .output()
        .expect("python3 runs");
    format!("Basic {}", String::from_utf8_lossy(&output.stdout).trim())
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.process.output());
        }
    }
}

//! The example binaries (`pipeline`, `batch`, `http_service`, `worker`, `dashboards`) run as a
//! user runs them: built by cargo, started with only the variables a test sets, killed when the
//! test ends.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http;
use super::process::{ChildGuard, poll, serve_on_free_port};
use super::scratch::ScratchDir;

/// How long an example may take to answer `/health` after it starts.
pub const STARTUP_LIMIT: Duration = Duration::from_secs(30);
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The path of an example binary, built once per test run.
///
/// `env!("CARGO_BIN_EXE_<name>")` exists only in the package that defines the binary, and
/// guessing a path under the target directory breaks with `--target`, `CARGO_TARGET_DIR` or a
/// custom profile, and may find a stale binary. So the cargo that runs the test builds the
/// binaries, with the same environment (so the same target directory),
/// and their paths are read from cargo's JSON messages.
///
/// It builds `--workspace --bins --tests`, not only the examples package: cargo unifies features
/// over what it builds, so the examples alone would compile their dependencies again with fewer
/// features. This selection has the features of `cargo test --workspace --all-targets`
/// (scripts/test), so there it finds everything fresh.
pub fn binary(name: &str) -> &'static Path {
    static BINARIES: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    let binaries = BINARIES.get_or_init(build_examples);
    binaries.get(name).map(PathBuf::as_path).unwrap_or_else(|| {
        panic!(
            "cargo built no example binary called {name}; it built {:?}",
            binaries.keys()
        )
    })
}

fn build_examples() -> BTreeMap<String, PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new(".."));
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ])
        .args(["--workspace", "--bins", "--tests"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if built_in_release() {
        command.arg("--release");
    }
    let started = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo to build the examples: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "building the workspace (for the examples) failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let binaries: BTreeMap<String, PathBuf> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact"
                && message["package_id"]
                    .as_str()
                    .is_some_and(|id| id.contains("instrument-metrics-examples"))
                && message["target"]["kind"] == serde_json::json!(["bin"])
                && message["profile"]["test"] == false
        })
        .filter_map(|message| {
            let name = message["target"]["name"].as_str()?.to_owned();
            let executable = message["executable"].as_str()?;
            Some((name, PathBuf::from(executable)))
        })
        .collect();
    eprintln!(
        "examples: {binaries:?} (cargo build took {:?})",
        started.elapsed()
    );
    binaries
}

/// Whether this test binary lives in a `release` profile directory.
fn built_in_release() -> bool {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|profile| profile == "release")
}

/// A command running the example `name` with none of the exporter's or the examples' variables
/// from the test's own environment: only what the test sets, plus no backtraces.
pub fn command(name: &str) -> Command {
    let mut command = Command::new(binary(name));
    for (variable, _) in std::env::vars_os() {
        let variable = variable.to_string_lossy();
        if variable.starts_with("METRICS_")
            || variable.starts_with("PIPELINE_")
            || variable.starts_with("BATCH_")
            || variable.starts_with("APP_")
            || variable.starts_with("WORKER_")
            || variable == "ENABLE_METRICS"
        {
            command.env_remove(variable.as_ref());
        }
    }
    command.env("RUST_BACKTRACE", "0");
    command
}

/// An example serving `/metrics` on a loopback port.
pub struct Served {
    pub addr: SocketAddr,
    pub process: ChildGuard,
}

impl Served {
    /// Starts the example `name` with `env` and `METRICS_ADDR` on a free loopback port (retried on
    /// another port when it exits, see [`serve_on_free_port`]), and waits until `/health` answers
    /// 200.
    pub fn start<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        scratch: &ScratchDir,
        name: &str,
        env: &[(K, V)],
    ) -> Served {
        let (addr, process) = serve_on_free_port(
            scratch.path(),
            name,
            &format!("the {name} example"),
            STARTUP_LIMIT,
            POLL_INTERVAL,
            |addr, _| {
                let mut command = command(name);
                command.envs(env.iter().map(|(key, value)| (key, value)));
                command.env("METRICS_ADDR", addr.to_string());
                command
            },
            |addr| http::get_ok(addr, "/health").map(drop),
        );
        Served { addr, process }
    }

    /// `GET /metrics` until `ready` accepts the text (or `limit` passes); returns that text.
    pub fn scrape_until(
        &mut self,
        limit: Duration,
        mut ready: impl FnMut(&str) -> Result<(), String>,
    ) -> String {
        let addr = self.addr;
        poll(limit, POLL_INTERVAL, || {
            let response = http::get(addr, "/metrics")?;
            if response.status != 200 {
                return Err(format!("GET /metrics answered {response:?}"));
            }
            let text = response.text()?;
            ready(&text).map_err(|why| format!("{why}\n--- the last scrape ---\n{text}"))?;
            Ok(text)
        })
        .unwrap_or_else(|error| panic!("{error}\n{}", self.process.output()))
    }
}

/// A process that ran to its end.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// Runs `command` until it exits, for at most `limit` (then it is killed and the test fails).
pub fn run_to_exit(
    scratch: &ScratchDir,
    name: &str,
    command: Command,
    limit: Duration,
) -> Finished {
    let started = Instant::now();
    let mut process = ChildGuard::spawn(name, command, scratch.path());
    let status = poll(limit, Duration::from_millis(20), || {
        process.exited().ok_or_else(|| "still running".to_owned())
    })
    .unwrap_or_else(|error| panic!("{name} did not exit: {error}\n{}", process.output()));
    let read = |stream: &str| {
        std::fs::read_to_string(scratch.join(&format!("{name}.{stream}"))).unwrap_or_default()
    };
    Finished {
        status,
        stdout: read("stdout"),
        stderr: read("stderr"),
        took: started.elapsed(),
    }
}

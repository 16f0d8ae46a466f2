//! A real Prometheus server: started on a free loopback port with its storage in a scratch
//! directory, and queried through its HTTP API.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::http;
use super::process::{ChildGuard, poll, serve_on_free_port};
use super::scratch::ScratchDir;

/// How long Prometheus may take to answer `/-/ready`, and how often it is asked.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Starts `binary` with `config` and waits until it is ready. The lifecycle API is on, so a
/// test may rewrite the configuration and `POST /-/reload`.
pub fn start(binary: &Path, scratch: &ScratchDir, config: &Path) -> (SocketAddr, ChildGuard) {
    start_with_flags(binary, scratch, config, &[])
}

/// [`start`] with more command-line flags, e.g. `--enable-feature=exemplar-storage`.
pub fn start_with_flags(
    binary: &Path,
    scratch: &ScratchDir,
    config: &Path,
    flags: &[&str],
) -> (SocketAddr, ChildGuard) {
    serve_on_free_port(
        scratch.path(),
        "prometheus",
        "prometheus",
        STARTUP_LIMIT,
        POLL_INTERVAL,
        |addr, attempt| {
            let storage = scratch.join(&format!("tsdb-{attempt}"));
            let mut command = Command::new(binary);
            command
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.tsdb.path={}", storage.display()))
                .arg(format!("--web.listen-address={addr}"))
                .arg("--web.enable-lifecycle")
                .args(flags)
                .current_dir(scratch.path());
            command
        },
        |addr| http::get_ok(addr, "/-/ready").map(drop),
    )
}

/// A successful answer of the HTTP API at `target`, as JSON; an error answer or a warning is an
/// `Err` saying what it was.
pub fn api(addr: SocketAddr, target: &str) -> Result<Value, String> {
    let response = http::get(addr, target)?;
    let body = response.text()?;
    let json: Value =
        serde_json::from_str(&body).map_err(|error| format!("{target}: {error}: {body}"))?;
    if response.status != 200 || json["status"] != "success" {
        return Err(format!("{target} answered {}: {json}", response.status));
    }
    if let Some(warnings) = json.get("warnings") {
        return Err(format!("{target} warned: {warnings}"));
    }
    Ok(json)
}

/// Waits, for at most `limit`, until Prometheus at `addr` has loaded `count` rules and the last
/// evaluation of every one succeeded.
pub fn wait_until_rules_healthy(
    addr: SocketAddr,
    count: usize,
    limit: Duration,
) -> Result<(), String> {
    poll(limit, POLL_INTERVAL, || {
        let answer = api(addr, "/api/v1/rules")?;
        let rules: Vec<&Value> = answer["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["rules"].as_array().into_iter().flatten())
            .collect();
        let unhealthy: Vec<&&Value> = rules.iter().filter(|rule| rule["health"] != "ok").collect();
        if rules.len() == count && unhealthy.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} of {count} rules loaded, not healthy: {unhealthy:?}",
                rules.len()
            ))
        }
    })
}

//! Push mode for batch jobs and other short-lived processes: `PUT` the exposition to a
//! Prometheus Pushgateway periodically, and once more when the exporter shuts down so the last
//! counts of a job that just finished are not lost.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::endpoint::Endpoint;
use crate::config::Gateway;
use crate::error::Error;
use crate::exposition::text::CONTENT_TYPE;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Replaces this job's and instance's metrics on `gateway` with `body`.
fn push(gateway: &Gateway, job: &str, instance: &str, body: &str) -> Result<(), Error> {
    let failed = |detail: String| Error::Push {
        gateway: gateway.url().to_owned(),
        detail,
    };
    let path = format!(
        "{}/metrics/job/{}/instance/{}",
        gateway.prefix(),
        encode(job),
        encode(instance)
    );
    let request = format!(
        "PUT {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {CONTENT_TYPE}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        gateway.authority(),
        body.len()
    );
    let response =
        exchange(gateway.authority(), request.as_bytes()).map_err(|e| failed(e.to_string()))?;
    let status = response.split_whitespace().nth(1).unwrap_or_default();
    if status.starts_with('2') {
        Ok(())
    } else {
        let first_lines: String = response
            .lines()
            .take(1)
            .chain(response.split("\r\n\r\n").nth(1))
            .collect::<Vec<_>>()
            .join(": ");
        Err(failed(first_lines.trim().to_owned()))
    }
}

fn exchange(authority: &str, request: &[u8]) -> io::Result<String> {
    let addr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other("no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(request)?;
    let mut response = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut response)?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

/// Percent-encodes a grouping-key value for a URL path segment.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The `instance` grouping label: the host name, so instances of one job do not overwrite
/// each other's metrics.
pub(crate) fn instance() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

pub(crate) struct Pusher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: JoinHandle<Result<(), Error>>,
}

impl Pusher {
    pub(crate) fn spawn(
        gateway: Gateway,
        job: String,
        interval: Duration,
        endpoint: Arc<Endpoint>,
    ) -> io::Result<Pusher> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let instance = instance();
        let thread = std::thread::Builder::new()
            .name("instrument-metrics-push".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || {
                    let (stopped, wake) = &*stop;
                    let mut stopped_now = stopped.lock().unwrap_or_else(PoisonError::into_inner);
                    while !*stopped_now {
                        stopped_now = wake
                            .wait_timeout(stopped_now, interval)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                        if !*stopped_now {
                            // A failed periodic push is retried at the next interval.
                            let _ = push(&gateway, &job, &instance, &endpoint.render());
                        }
                    }
                    drop(stopped_now);
                    endpoint.handle().run_upkeep();
                    push(&gateway, &job, &instance, &endpoint.render())
                }
            })?;
        Ok(Pusher { stop, thread })
    }

    /// Stops pushing after one final push, whose result it returns.
    pub(crate) fn stop(self) -> Result<(), Error> {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        self.thread.join().unwrap_or_else(|_| {
            Err(Error::Push {
                gateway: String::new(),
                detail: "the push thread panicked".into(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_values_are_encoded() {
        assert_eq!(encode("batch-job_1.x"), "batch-job_1.x");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}

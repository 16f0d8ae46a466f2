//! Push mode for batch jobs and other short-lived processes: `PUT` the exposition to a
//! Prometheus Pushgateway periodically, and once more when the exporter shuts down so the last
//! counts of a job that just finished are not lost.

use std::io;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::endpoint::Endpoint;
use crate::config::Gateway;
use crate::error::Error;
use crate::exposition::text::CONTENT_TYPE;

/// For the whole of one push: connecting, sending, reading the answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A push that fails on the way (no connection, a 5xx answer) is tried again after these
/// pauses; one the gateway refuses (4xx: wrong credentials, a bad grouping key) is not.
const RETRY_PAUSES: [Duration; 4] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

/// The longest one push may take with its retries, so a job's shutdown is not held up for long.
const RETRY_BUDGET: Duration = Duration::from_secs(30);

/// How the pushes of one exporter reach its gateway.
struct Client {
    agent: ureq::Agent,
    gateway: Gateway,
    /// `Basic <base64 of user:password>`, when the gateway wants credentials.
    authorization: Option<String>,
}

impl Client {
    fn new(gateway: Gateway) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0);
        #[cfg(feature = "tls")]
        let config = config.tls_config(tls_config(&gateway));
        let authorization = gateway.credentials().map(|(username, password)| {
            format!(
                "Basic {}",
                base64(format!("{username}:{}", password.expose()).as_bytes())
            )
        });
        Client {
            agent: config.build().new_agent(),
            gateway,
            authorization,
        }
    }

    /// Replaces this job's and instance's metrics on the gateway with `body`, retrying what
    /// may work a moment later.
    fn push(&self, job: &str, instance: &str, body: &str) -> Result<(), Error> {
        let started = Instant::now();
        let mut pauses = RETRY_PAUSES.iter();
        loop {
            match self.push_once(job, instance, body) {
                Err(Failure::Retryable(error)) => match pauses.next() {
                    // A gateway that swallows packets costs a timeout per attempt: the retries
                    // stop once another one could end past the budget.
                    Some(pause) if started.elapsed() + *pause + TIMEOUT <= RETRY_BUDGET => {
                        std::thread::sleep(*pause);
                    }
                    _ => return Err(error),
                },
                Err(Failure::Final(error)) => return Err(error),
                Ok(()) => return Ok(()),
            }
        }
    }

    fn push_once(&self, job: &str, instance: &str, body: &str) -> Result<(), Failure> {
        let url = format!(
            "{}/metrics/job/{}/instance/{}",
            self.gateway.url(),
            encode(job),
            encode(instance)
        );
        let mut request = self.agent.put(&url).header("Content-Type", CONTENT_TYPE);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        let failed = |detail: String, source: Option<ureq::Error>| Error::Push {
            gateway: self.gateway.url().to_owned(),
            detail,
            source: source.map(|error| Box::new(error) as _),
        };
        let mut response = match request.send(body) {
            Ok(response) => response,
            Err(error) => return Err(Failure::Retryable(failed(error.to_string(), Some(error)))),
        };
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let answer = response
            .body_mut()
            .with_config()
            .limit(4096)
            .read_to_string()
            .unwrap_or_default();
        let detail = format!("the gateway answered {status}: {}", answer.trim());
        if status.is_server_error() {
            Err(Failure::Retryable(failed(detail, None)))
        } else {
            Err(Failure::Final(failed(detail, None)))
        }
    }
}

enum Failure {
    Retryable(Error),
    Final(Error),
}

#[cfg(feature = "tls")]
fn tls_config(gateway: &Gateway) -> ureq::tls::TlsConfig {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let roots = match gateway.roots() {
        Some(certificates) => RootCerts::Specific(Arc::new(
            certificates
                .iter()
                .map(|der| Certificate::from_der(der.as_ref()).to_owned())
                .collect(),
        )),
        None => RootCerts::WebPki,
    };
    TlsConfig::builder()
        .root_certs(roots)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build()
}

/// Standard base64 with padding, for the basic-auth header.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let triple = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |triple, (index, byte)| {
                triple | u32::from(*byte) << (16 - 8 * index)
            });
        for index in 0..4 {
            if index <= chunk.len() {
                let sextet = (triple >> (18 - 6 * index)) & 0x3f;
                encoded.push(char::from(ALPHABET[sextet as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
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
        let client = Client::new(gateway);
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
                            let _ = client.push(&job, &instance, &endpoint.render());
                        }
                    }
                    drop(stopped_now);
                    endpoint.handle().run_upkeep();
                    client.push(&job, &instance, &endpoint.render())
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
                source: None,
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

    #[test]
    fn a_push_without_an_answer_keeps_its_source_error() {
        // A port that was free a moment ago: nothing listens there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap();
        let url = format!("http://{closed}");
        let gateway = Gateway::parse("METRICS_PUSH_GATEWAY", &url).unwrap();
        let Err(Failure::Retryable(error)) = Client::new(gateway).push_once("job", "i", "") else {
            panic!("a push to a closed port did not fail as retryable");
        };
        assert!(error.to_string().contains(&url), "{error}");
        assert!(std::error::Error::source(&error).is_some(), "{error:?}");
    }

    #[test]
    fn basic_auth_is_base64() {
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }
}

//! End to end: the `http_service` example as a user runs it, loaded over loopback by real
//! HTTP/1.1 clients (keep-alive connections on several threads), then scraped: the HTTP
//! families count exactly what the clients sent, by route template, never by raw path.
//!
//! Ignored by default because they build and start the example (and one runs `promtool`, from
//! Debian's `prometheus` package); `scripts/test` installs it and runs them with
//! `--include-ignored`. Every wait and every request is bounded.

mod support;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::examples;
use support::exposition::{self, Sample};
use support::process::{ChildGuard, free_loopback_addr, poll, serve_on_free_port};
use support::scratch::ScratchDir;
use support::tools::promtool_check;

/// Bounds every wait: the service starting, a request, the whole load, the gauges settling.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const LOAD_LIMIT: Duration = Duration::from_secs(120);
const SETTLE_LIMIT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Concurrent client connections.
const CLIENTS: usize = 8;

/// Unmatched paths a scanner probes.
const RANDOM_PATHS: usize = 1000;

/// The route templates of the example, which alone may appear as `handler` (besides `none`).
const TEMPLATES: [&str; 6] = ["/", "/users/{id}", "/users", "/slow", "/error", "/stream"];

#[test]
#[ignore = "starts the http_service example; run by scripts/test"]
fn requests_are_counted_exactly_per_route_and_status() {
    let scratch = ScratchDir::new("e2e-http-load");
    let mut service = Service::start(&scratch, &[]);
    let plan = load_plan();
    let recorded: usize = plan.iter().filter(|request| request.recorded()).count();
    assert_eq!(recorded, 730, "the plan itself");

    let tally = send_concurrently(service.app, &plan, CLIENTS)
        .unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));
    let text = service.scrape_when_settled(recorded as f64);
    let samples = exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));

    // Exactly the requests sent, per template, method and status, and nothing else.
    let counted: BTreeMap<Key, f64> = samples
        .iter()
        .filter(|sample| sample.name == "http_requests_total")
        .map(|sample| {
            let key = Key::new(
                sample.label("handler"),
                sample.label("method"),
                sample.label("status"),
            );
            (key, sample.value)
        })
        .collect();
    let expected: BTreeMap<Key, f64> = tally
        .requests
        .iter()
        .map(|(key, count)| (key.clone(), *count as f64))
        .collect();
    assert_eq!(counted, expected, "\n{text}");
    assert_eq!(counted.values().sum::<f64>(), recorded as f64);

    // Ids, raw paths and the excluded /health never become label values.
    let handlers: BTreeSet<&str> = samples
        .iter()
        .filter(|sample| sample.name.starts_with("http_"))
        .map(|sample| sample.label("handler"))
        .collect();
    assert_eq!(handlers, BTreeSet::from(TEMPLATES), "\n{text}");
    for sample in &samples {
        for value in sample.labels.values() {
            assert!(
                !value.starts_with("/users/") || value == "/users/{id}",
                "a raw path in {sample:?}"
            );
        }
    }

    // Durations: one observation per request, and /slow sleeps 200 ms.
    for (handler, method) in [
        ("/", "GET"),
        ("/users/{id}", "GET"),
        ("/users", "POST"),
        ("/slow", "GET"),
        ("/error", "GET"),
        ("/stream", "GET"),
    ] {
        let sent: usize = tally
            .requests
            .iter()
            .filter(|(key, _)| key.handler == handler && key.method == method)
            .map(|(_, count)| count)
            .sum();
        let count = value(
            &samples,
            "http_request_duration_seconds_count",
            &[("handler", handler), ("method", method)],
        );
        assert_eq!(count, Some(sent as f64), "{handler} {method}\n{text}");
    }
    let slow_fast = value(
        &samples,
        "http_request_duration_seconds_bucket",
        &[("handler", "/slow"), ("method", "GET"), ("le", "0.1")],
    );
    assert_eq!(slow_fast, Some(0.0), "\n{text}");

    // Sizes: the bytes the clients posted and received, per template.
    let posted = value(
        &samples,
        "http_request_size_bytes_sum",
        &[("handler", "/users")],
    );
    assert_eq!(posted, Some(tally.posted as f64), "\n{text}");
    for handler in TEMPLATES {
        let received = tally.received.get(handler).copied().unwrap_or_default();
        let sum = value(
            &samples,
            "http_response_size_bytes_sum",
            &[("handler", handler)],
        );
        assert_eq!(sum, Some(received as f64), "{handler}\n{text}");
    }

    promtool_check(&text).unwrap_or_else(|findings| panic!("{findings}\n{text}"));

    // Nobody is being served any more.
    let in_progress: Vec<&Sample> = samples
        .iter()
        .filter(|sample| sample.name == "http_requests_in_progress")
        .collect();
    assert!(!in_progress.is_empty(), "\n{text}");
    assert!(
        in_progress.iter().all(|sample| sample.value == 0.0),
        "{in_progress:?}"
    );
}

#[test]
#[ignore = "starts the http_service example; run by scripts/test"]
fn clients_that_disconnect_are_counted_and_leave_in_progress() {
    let scratch = ScratchDir::new("e2e-http-disconnect");
    let mut service = Service::start(&scratch, &[]);
    let app = service.app;
    let send = |target: &str| -> Result<TcpStream, String> {
        let mut stream = TcpStream::connect_timeout(&app, REQUEST_TIMEOUT)
            .map_err(|error| format!("connect {app}: {error}"))?;
        stream
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .map_err(|error| error.to_string())?;
        let request = format!("GET {target} HTTP/1.1\r\nHost: {app}\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .map_err(|error| format!("send to {app}: {error}"))?;
        Ok(stream)
    };
    let disconnects = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..5)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    // Gone while /slow sleeps, before any response: 499.
                    let slow = send("/slow")?;
                    std::thread::sleep(Duration::from_millis(30));
                    drop(slow);
                    // Gone after the first of five frames of /stream.
                    let mut stream = send("/stream")?;
                    let mut seen = Vec::new();
                    let mut buffer = [0; 256];
                    while !seen.windows(8).any(|window| window == b"frame 0\n") {
                        let read = stream
                            .read(&mut buffer)
                            .map_err(|error| error.to_string())?;
                        if read == 0 {
                            return Err("the stream ended early".to_owned());
                        }
                        seen.extend_from_slice(&buffer[..read]);
                    }
                    drop(stream);
                    Ok(())
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|client| {
                client
                    .join()
                    .unwrap_or_else(|_| Err("a client panicked".into()))
            })
            .collect::<Result<Vec<()>, String>>()
    });
    disconnects.unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));

    let text = service.scrape_when_settled(10.0);
    let samples = exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    let requests = |handler: &str, status: &str| {
        value(
            &samples,
            "http_requests_total",
            &[("handler", handler), ("method", "GET"), ("status", status)],
        )
    };
    assert_eq!(requests("/slow", "499"), Some(5.0), "\n{text}");
    assert_eq!(requests("/stream", "200"), Some(5.0), "\n{text}");
    // Each client read "frame 0\n" (8 bytes) and left, usually long before the last frame: the
    // server sent at least the first frame to each, and what it sent is counted.
    let sent = value(
        &samples,
        "http_response_size_bytes_sum",
        &[("handler", "/stream")],
    )
    .unwrap_or_else(|| panic!("no response size for /stream\n{text}"));
    assert!((40.0..=200.0).contains(&sent), "{sent} bytes sent\n{text}");
}

#[test]
#[ignore = "starts the http_service example; run by scripts/test"]
fn random_unmatched_paths_add_only_the_none_series() {
    let scratch = ScratchDir::new("e2e-http-scan");
    let mut service = Service::start(&scratch, &[]);
    // Some traffic first, so the families exist.
    let warmup: Vec<Planned> = (1..=20)
        .map(|id| Planned::get(&format!("/users/{id}"), "/users/{id}", 200))
        .collect();
    send_concurrently(service.app, &warmup, 4)
        .unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));
    let before = service.scrape_when_settled(20.0);

    let mut random = Rng(0x5eed_1234_abcd_0042);
    let scan: Vec<Planned> = (0..RANDOM_PATHS)
        .map(|n| {
            let path = match n % 4 {
                0 => format!("/scan/{:016x}", random.next()),
                1 => format!("/users/{}/{:x}", random.below(1_000_000), random.next()),
                2 => format!("/wp-admin/{}.php", random.next()),
                _ => format!("/{:x}/{:x}/{n}", random.next(), random.next()),
            };
            Planned::get(&path, "none", 404)
        })
        .collect();
    send_concurrently(service.app, &scan, CLIENTS)
        .unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));
    let after = service.scrape_when_settled((20 + RANDOM_PATHS) as f64);

    let series = |text: &str| -> BTreeSet<String> {
        exposition::parse(text)
            .unwrap_or_else(|error| panic!("{error}\n{text}"))
            .iter()
            .map(series_key)
            .collect()
    };
    let (before_series, after_series) = (series(&before), series(&after));
    let removed: Vec<&String> = before_series.difference(&after_series).collect();
    assert_eq!(removed, Vec::<&String>::new(), "\n{after}");
    let added: Vec<&String> = after_series.difference(&before_series).collect();
    assert!(
        added.iter().all(|key| key.contains("handler=\"none\"")),
        "series other than handler=\"none\" appeared: {added:#?}"
    );
    // One `none` series per family: the same label set, whatever the path.
    let samples = exposition::parse(&after).unwrap_or_else(|error| panic!("{error}\n{after}"));
    let none_sets: BTreeMap<String, BTreeSet<BTreeMap<String, String>>> = samples
        .iter()
        .filter(|sample| sample.label("handler") == "none")
        .fold(BTreeMap::new(), |mut families, sample| {
            let mut labels = sample.labels.clone();
            labels.remove("le");
            labels.remove("quantile");
            families
                .entry(family_of(&sample.name).to_owned())
                .or_default()
                .insert(labels);
            families
        });
    let families: Vec<&str> = none_sets.keys().map(String::as_str).collect();
    assert_eq!(
        families,
        [
            "http_request_duration_seconds",
            "http_request_size_bytes",
            "http_requests_in_progress",
            "http_requests_total",
            "http_response_size_bytes",
        ],
        "\n{after}"
    );
    for (family, sets) in &none_sets {
        assert_eq!(sets.len(), 1, "{family}: {sets:?}");
    }
    assert_eq!(
        value(
            &samples,
            "http_requests_total",
            &[("handler", "none"), ("method", "GET"), ("status", "404")]
        ),
        Some(RANDOM_PATHS as f64)
    );
    for probe in scan.iter().take(50) {
        assert!(!after.contains(&probe.path), "{} appears", probe.path);
    }
}

#[test]
#[ignore = "starts the http_service example; run by scripts/test"]
fn embedded_metrics_are_served_on_the_app_port_and_not_recorded() {
    let scratch = ScratchDir::new("e2e-http-embed");
    let mut service = Service::start(&scratch, &[("METRICS_EMBED", "true")]);
    assert_eq!(service.metrics, service.app);
    let output = service.process.output();
    assert!(
        output.contains(&format!("metrics on http://{}/metrics", service.app)),
        "{output}"
    );
    let plan: Vec<Planned> = (0..40)
        .map(|n| match n % 4 {
            0 => Planned::get("/", "/", 200),
            1 => Planned::get(&format!("/users/{}", 2000 + n), "/users/{id}", 404),
            2 => Planned::get("/error", "/error", 500),
            _ => Planned::get("/metrics", "/metrics", 200).unrecorded(),
        })
        .collect();
    let tally = send_concurrently(service.app, &plan, 4)
        .unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));
    let text = service.scrape_when_settled(30.0);
    let samples = exposition::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert!(
        samples
            .iter()
            .all(|sample| sample.label("handler") != "/metrics"),
        "\n{text}"
    );
    let counted: BTreeMap<Key, f64> = samples
        .iter()
        .filter(|sample| sample.name == "http_requests_total")
        .map(|sample| {
            let key = Key::new(
                sample.label("handler"),
                sample.label("method"),
                sample.label("status"),
            );
            (key, sample.value)
        })
        .collect();
    let expected: BTreeMap<Key, f64> = tally
        .requests
        .iter()
        .map(|(key, count)| (key.clone(), *count as f64))
        .collect();
    assert_eq!(counted, expected, "\n{text}");
}

#[test]
#[ignore = "starts the http_service example; run by scripts/test"]
fn disabled_metrics_leave_the_service_working() {
    let scratch = ScratchDir::new("e2e-http-disabled");
    let mut service = Service::start(
        &scratch,
        &[("ENABLE_METRICS", "false"), ("METRICS_EMBED", "true")],
    );
    let plan = [
        Planned::get("/", "/", 200),
        Planned::get("/users/7", "/users/{id}", 200),
        Planned::get("/nope", "none", 404),
    ];
    send_concurrently(service.app, &plan, 1)
        .unwrap_or_else(|error| panic!("{error}\n{}", service.process.output()));
    let mut client = Client::connect(service.app).unwrap_or_else(|error| panic!("{error}"));
    let reply = client
        .send("GET", "/metrics", b"")
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        reply.status,
        404,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    let output = service.process.output();
    assert!(output.contains("metrics are disabled"), "{output}");
}

// ---- the load ----------------------------------------------------------------------------

/// One request of a plan and what must come back.
#[derive(Clone, Debug)]
struct Planned {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    /// The `handler` label it must be counted under.
    handler: &'static str,
    status: u16,
    /// Excluded routes (`/health`, `/metrics`) are not counted.
    recorded: bool,
}

impl Planned {
    fn get(path: &str, handler: &'static str, status: u16) -> Planned {
        Planned {
            method: "GET",
            path: path.to_owned(),
            body: Vec::new(),
            handler,
            status,
            recorded: true,
        }
    }

    fn unrecorded(mut self) -> Planned {
        self.recorded = false;
        self
    }

    fn recorded(&self) -> bool {
        self.recorded
    }
}

/// 730 recorded requests over every route of the example, and 20 to the excluded `/health`, in
/// a fixed pseudo-random order.
fn load_plan() -> Vec<Planned> {
    let mut random = Rng(0x00c0_ffee_0bad_f00d);
    let mut plan = Vec::new();
    plan.extend((0..200).map(|_| Planned::get("/", "/", 200)));
    plan.extend((0..300).map(|_| {
        let id = 1 + random.below(1000);
        Planned::get(&format!("/users/{id}"), "/users/{id}", 200)
    }));
    plan.extend((0..50).map(|_| {
        let id = 1001 + random.below(1_000_000);
        Planned::get(&format!("/users/{id}"), "/users/{id}", 404)
    }));
    plan.extend((0..100).map(|_| {
        let size = 1 + random.below(2000) as usize;
        Planned {
            method: "POST",
            path: "/users".to_owned(),
            body: vec![b'u'; size],
            handler: "/users",
            status: 201,
            recorded: true,
        }
    }));
    plan.extend((0..16).map(|_| Planned::get("/slow", "/slow", 200)));
    plan.extend((0..40).map(|_| Planned::get("/error", "/error", 500)));
    plan.extend((0..24).map(|_| Planned::get("/stream", "/stream", 200)));
    plan.extend((0..20).map(|_| Planned::get("/health", "/health", 200).unrecorded()));
    // Fisher-Yates, so every client sees a mix of routes.
    for i in (1..plan.len()).rev() {
        let j = random.below(i as u64 + 1) as usize;
        plan.swap(i, j);
    }
    plan
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    handler: String,
    method: String,
    status: String,
}

impl Key {
    fn new(handler: &str, method: &str, status: &str) -> Key {
        Key {
            handler: handler.to_owned(),
            method: method.to_owned(),
            status: status.to_owned(),
        }
    }
}

/// What the clients sent and got, as the service should have counted it.
#[derive(Debug, Default)]
struct Tally {
    requests: BTreeMap<Key, usize>,
    /// Request body bytes of recorded requests.
    posted: usize,
    /// Response body bytes received, by template.
    received: BTreeMap<&'static str, usize>,
}

/// Sends the plan from `clients` threads, each over one keep-alive connection, and checks every
/// status.
fn send_concurrently(addr: SocketAddr, plan: &[Planned], clients: usize) -> Result<Tally, String> {
    let deadline = Instant::now() + LOAD_LIMIT;
    let chunk = plan.len().div_ceil(clients).max(1);
    let results: Vec<Result<Tally, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = plan
            .chunks(chunk)
            .map(|share| {
                scope.spawn(move || {
                    let mut client = Client::connect(addr)?;
                    let mut tally = Tally::default();
                    for planned in share {
                        if Instant::now() > deadline {
                            return Err(format!("the load took longer than {LOAD_LIMIT:?}"));
                        }
                        let reply = client.send(planned.method, &planned.path, &planned.body)?;
                        if reply.status != planned.status {
                            return Err(format!(
                                "{} {} answered {} instead of {}: {:?}",
                                planned.method,
                                planned.path,
                                reply.status,
                                planned.status,
                                String::from_utf8_lossy(&reply.body)
                            ));
                        }
                        if planned.recorded {
                            let key = Key::new(
                                planned.handler,
                                planned.method,
                                &planned.status.to_string(),
                            );
                            *tally.requests.entry(key).or_default() += 1;
                            tally.posted += planned.body.len();
                            *tally.received.entry(planned.handler).or_default() += reply.body.len();
                        }
                    }
                    Ok(tally)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("a client thread panicked".to_owned()))
            })
            .collect()
    });
    let mut total = Tally::default();
    for tally in results {
        let tally = tally?;
        for (key, count) in tally.requests {
            *total.requests.entry(key).or_default() += count;
        }
        total.posted += tally.posted;
        for (handler, bytes) in tally.received {
            *total.received.entry(handler).or_default() += bytes;
        }
    }
    Ok(total)
}

/// A small xorshift generator: the same plan on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

// ---- the exposition ----------------------------------------------------------------------

/// The value of the sample called `name` with exactly these labels.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    samples
        .iter()
        .find(|sample| sample.name == name && sample.labels == wanted)
        .map(|sample| sample.value)
}

/// `name{labels}` of a sample: one line of the exposition, one series.
fn series_key(sample: &Sample) -> String {
    let labels: Vec<String> = sample
        .labels
        .iter()
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    format!("{}{{{}}}", sample.name, labels.join(","))
}

/// The family a sample belongs to: its name without `_bucket`, `_sum` or `_count`.
fn family_of(name: &str) -> &str {
    ["_bucket", "_sum", "_count"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
}

// ---- the service -------------------------------------------------------------------------

/// The example running in the background on loopback ports.
struct Service {
    app: SocketAddr,
    metrics: SocketAddr,
    process: ChildGuard,
}

impl Service {
    /// Starts the example with these variables and waits until it answers `/health` (and
    /// `/metrics`), retried on other ports when it exits (see [`serve_on_free_port`]).
    fn start(scratch: &ScratchDir, env: &[(&str, &str)]) -> Service {
        let embedded = env.contains(&("METRICS_EMBED", "true"));
        let disabled = env.contains(&("ENABLE_METRICS", "false"));
        // The metrics address of the latest attempt: the app's own when embedded.
        let metrics = Cell::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        let (app, process) = serve_on_free_port(
            scratch.path(),
            "http_service",
            "http_service",
            STARTUP_LIMIT,
            POLL_INTERVAL,
            |app, _| {
                metrics.set(if embedded { app } else { free_loopback_addr() });
                let mut command = examples::command("http_service");
                command
                    .env("APP_ADDR", app.to_string())
                    .env("METRICS_ADDR", metrics.get().to_string())
                    .envs(env.iter().copied());
                command
            },
            |app| {
                expect_status(app, "/health", 200)?;
                if !disabled {
                    expect_status(metrics.get(), "/metrics", 200)?;
                }
                Ok(())
            },
        );
        Service {
            app,
            metrics: metrics.get(),
            process,
        }
    }

    /// Scrapes until every request has been counted (`http_requests_total` sums to
    /// `requests`) and none is in progress; returns that scrape.
    fn scrape_when_settled(&mut self, requests: f64) -> String {
        let addr = self.metrics;
        poll(SETTLE_LIMIT, POLL_INTERVAL, || {
            let mut client = Client::connect(addr)?;
            let reply = client.send("GET", "/metrics", b"")?;
            let text = String::from_utf8(reply.body).map_err(|error| error.to_string())?;
            let samples = exposition::parse(&text)?;
            let total: f64 = samples
                .iter()
                .filter(|sample| sample.name == "http_requests_total")
                .map(|sample| sample.value)
                .sum();
            let busy: f64 = samples
                .iter()
                .filter(|sample| sample.name == "http_requests_in_progress")
                .map(|sample| sample.value)
                .sum();
            if reply.status == 200 && total == requests && busy == 0.0 {
                Ok(text)
            } else {
                Err(format!(
                    "{} requests counted of {requests}, {busy} in progress:\n{text}",
                    total
                ))
            }
        })
        .unwrap_or_else(|error| panic!("{error}\n{}", self.process.output()))
    }
}

fn expect_status(addr: SocketAddr, path: &str, status: u16) -> Result<(), String> {
    let reply = Client::connect(addr)?.send("GET", path, b"")?;
    if reply.status == status {
        Ok(())
    } else {
        Err(format!("GET {path} answered {}", reply.status))
    }
}

// ---- a keep-alive HTTP/1.1 client --------------------------------------------------------

/// One HTTP/1.1 connection, reused for every request (keep-alive), with bounded timeouts.
struct Client {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Result<Client, String> {
        let stream = TcpStream::connect_timeout(&addr, REQUEST_TIMEOUT)
            .map_err(|error| format!("connect {addr}: {error}"))?;
        stream
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(REQUEST_TIMEOUT)))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(|error| error.to_string())?;
        Ok(Client {
            addr,
            reader: BufReader::new(stream),
        })
    }

    fn send(&mut self, method: &str, target: &str, body: &[u8]) -> Result<Reply, String> {
        let addr = self.addr;
        let context = |error: std::io::Error| format!("{method} http://{addr}{target}: {error}");
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.reader.get_mut().write_all(&request).map_err(context)?;

        let status_line = self.line().map_err(context)?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| format!("{method} {target}: bad status line {status_line:?}"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            let line = self.line().map_err(context)?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(format!("{method} {target}: bad header {line:?}"));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("bad Content-Length {value:?}"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let size_line = self.line().map_err(context)?;
                let size_text = size_line.split(';').next().unwrap_or_default().trim();
                let size = usize::from_str_radix(size_text, 16)
                    .map_err(|_| format!("bad chunk size {size_line:?}"))?;
                if size == 0 {
                    // Trailers, up to the empty line.
                    while !self.line().map_err(context)?.is_empty() {}
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.reader
                    .read_exact(&mut body[start..])
                    .map_err(context)?;
                if !self.line().map_err(context)?.is_empty() {
                    return Err("a chunk not followed by CRLF".to_owned());
                }
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.reader.read_exact(&mut body).map_err(context)?;
        }
        Ok(Reply { status, body })
    }

    /// One line without its CRLF.
    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

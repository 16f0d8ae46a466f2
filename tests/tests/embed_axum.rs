//! Embedding: `/metrics` served by the application's own axum server through
//! `Exporter::router()`, with the exporter installed `without_listener()`, so the process
//! listens on one port only. The same rules as the crate's listener apply: a bearer token when
//! one is set (401 with `WWW-Authenticate` otherwise), gzip on request, GET/HEAD only.
//!
//! One exporter per process: every test here shares one installation and one server.

mod support;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::OnceLock;

use axum::Router;
use axum::routing::get;
use instrument_metrics::{Exporter, instrument_metrics};
use support::exposition::{self, Sample};
use support::http;

const TOKEN: &str = "embedded-s3cret";

/// The application's own handler, instrumented like any function.
#[instrument_metrics]
async fn hello() -> &'static str {
    "hello"
}

struct App {
    addr: SocketAddr,
    exporter: Exporter,
}

/// The application: its own route and the exporter's router, served on 127.0.0.1:0 by a Tokio
/// runtime on a background thread that lives as long as the test process.
fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let exporter = instrument_metrics::Builder::new()
            .without_listener()
            .auth_token(TOKEN)
            .build_info(instrument_metrics::build_info!())
            .install()
            .unwrap_or_else(|error| panic!("install: {error}"));
        let router = Router::new()
            .route("/", get(hello))
            .merge(exporter.router());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|error| panic!("bind 127.0.0.1:0: {error}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("{error}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|error| panic!("{error}"));
        std::thread::Builder::new()
            .name("embedded-app".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap_or_else(|error| panic!("tokio: {error}"));
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .unwrap_or_else(|error| panic!("{error}"));
                    axum::serve(listener, router)
                        .await
                        .unwrap_or_else(|error| panic!("axum::serve: {error}"));
                });
            })
            .unwrap_or_else(|error| panic!("cannot start the app thread: {error}"));
        App { addr, exporter }
    })
}

fn authorized_get(headers: &[(&str, &str)]) -> http::Response {
    let bearer = format!("Bearer {TOKEN}");
    let mut all = vec![("Authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    http::request(app().addr, "GET", "/metrics", &all).unwrap_or_else(|error| panic!("{error}"))
}

fn samples(text: &str) -> Vec<Sample> {
    exposition::parse(text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

#[test]
fn the_router_serves_metrics_with_the_token() {
    let app = app();
    let hello = http::get(app.addr, "/").unwrap_or_else(|error| panic!("{error}"));
    assert_eq!((hello.status, hello.body.as_slice()), (200, &b"hello"[..]));

    let response = authorized_get(&[]);
    assert_eq!(response.status, 200, "{response:?}");
    assert!(
        response
            .header("content-type")
            .is_some_and(|kind| kind.starts_with("text/plain; version=0.0.4")),
        "{response:?}"
    );
    assert_eq!(response.header("content-encoding"), None, "{response:?}");
    let text = response.text().unwrap_or_else(|error| panic!("{error}"));
    let samples = samples(&text);
    let calls: f64 = samples
        .iter()
        .filter(|sample| sample.name == "function_calls_total")
        .filter(|sample| sample.label("function") == "hello" && sample.label("result") == "ok")
        .map(|sample| sample.value)
        .sum();
    assert!(calls >= 1.0, "the handler's call is not counted\n{text}");
    // Served from the same state as `Exporter::render`.
    assert!(
        app.exporter
            .render()
            .contains("# TYPE function_calls_total counter")
    );
}

#[test]
fn the_router_refuses_a_missing_or_wrong_token() {
    let addr = app().addr;
    for authorization in [None, Some("Bearer wrong"), Some("Basic ZW1iZWRkZWQ=")] {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", *value))
            .collect();
        let response = http::request(addr, "GET", "/metrics", &headers)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status, 401, "{authorization:?}: {response:?}");
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer realm=\"metrics\""),
            "{authorization:?}: {response:?}"
        );
    }
}

#[test]
fn the_router_gzips_when_asked() {
    let response = authorized_get(&[("Accept-Encoding", "gzip")]);
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(
        response.header("content-encoding"),
        Some("gzip"),
        "{response:?}"
    );
    let text = http::gunzip(&response.body).unwrap_or_else(|error| panic!("{error}"));
    assert!(
        exposition::types(&text).contains_key("build_info"),
        "the decompressed body is not the exposition:\n{text}"
    );
}

#[test]
fn the_router_allows_get_and_head_only() {
    let addr = app().addr;
    let bearer = format!("Bearer {TOKEN}");
    for method in ["POST", "PUT", "DELETE"] {
        let response = http::request(addr, method, "/metrics", &[("Authorization", &bearer)])
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status, 405, "{method}: {response:?}");
        assert_eq!(response.header("allow"), Some("GET, HEAD"), "{method}");
    }
    let head = http::request(addr, "HEAD", "/metrics", &[("Authorization", &bearer)])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(head.status, 200, "{head:?}");
}

#[test]
#[cfg(target_os = "linux")]
fn no_port_of_its_own() {
    let app = app();
    assert_eq!(app.exporter.local_addr(), None);
    assert!(app.exporter.is_enabled());
    // The only socket this process listens on is the application's.
    let listening = listening_ports();
    assert_eq!(
        listening,
        BTreeSet::from([app.addr.port()]),
        "this process listens on {listening:?}; the application is on {}",
        app.addr
    );
}

#[test]
#[cfg(target_os = "linux")]
fn process_metrics_and_build_info_are_served() {
    let response = authorized_get(&[]);
    let text = response.text().unwrap_or_else(|error| panic!("{error}"));
    let samples = samples(&text);
    let value = |name: &str| {
        samples
            .iter()
            .find(|sample| sample.name == name)
            .map(|sample| sample.value)
            .unwrap_or_else(|| panic!("no {name}\n{text}"))
    };
    let types = exposition::types(&text);
    assert_eq!(
        types.get("process_cpu_seconds_total").map(String::as_str),
        Some("counter"),
        "{text}"
    );
    assert!(value("process_cpu_seconds_total") >= 0.0);
    assert!(value("process_resident_memory_bytes") > 1e6, "{text}");
    assert!(
        value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"),
        "{text}"
    );
    assert!(value("process_open_fds") >= 3.0, "{text}");
    assert!(
        value("process_max_fds") >= value("process_open_fds"),
        "{text}"
    );
    // Started in this century, and not in the future.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64());
    let started = value("process_start_time_seconds");
    assert!(
        (946_684_800.0..=now + 1.0).contains(&started),
        "process_start_time_seconds {started} (now {now})"
    );

    let build_info: Vec<&Sample> = samples
        .iter()
        .filter(|sample| sample.name == "build_info")
        .collect();
    assert_eq!(build_info.len(), 1, "{text}");
    assert_eq!(build_info[0].label("name"), env!("CARGO_PKG_NAME"));
    assert_eq!(build_info[0].label("version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(build_info[0].value, 1.0);
}

#[cfg(target_os = "linux")]
/// The TCP ports this process listens on: its socket file descriptors matched against the
/// kernel's table of listening sockets.
fn listening_ports() -> BTreeSet<u16> {
    let inodes: BTreeSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap_or_else(|error| panic!("/proc/self/fd: {error}"))
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let mut ports = BTreeSet::new();
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is field 1 (`IP:PORT` in hex), st field 3 (0A is LISTEN), inode 9.
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            if *state == "0A" && inodes.contains(*inode) {
                let port = local
                    .rsplit(':')
                    .next()
                    .and_then(|hex| u16::from_str_radix(hex, 16).ok());
                ports.extend(port);
            }
        }
    }
    ports
}

//! Installing the exporter, in the order a process lives through it: calls before any install
//! record nothing, a busy port fails with an error naming the address and leaves nothing behind,
//! the retry on the then free port serves `/metrics`, a second install is refused, and the
//! endpoint answers the right status and content type for each path and method.
//!
//! The order matters and one process can install once, so this file holds a single test.

mod support;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use instrument_metrics::{Builder, Error, instrument_metrics};
use support::calls::{Calls, calls};
use support::exposition::expect_value;
use support::http::{self, scrape};
use support::threads::{RUNTIME_THREADS, eventually, threads_named};

const MODULE: &str = "install";

#[instrument_metrics]
fn called_around_install(fail: bool) -> Result<u8, String> {
    if fail {
        Err("failed".to_owned())
    } else {
        Ok(1)
    }
}

#[test]
fn install_lifecycle() {
    assert_eq!(
        threads_named(RUNTIME_THREADS),
        0,
        "nothing runs before install"
    );

    // Before any install the calls are inert, and must not leave a no-op handle cached.
    for fail in [false, true, false] {
        assert_eq!(called_around_install(fail).is_err(), fail);
    }

    // A busy port: an error naming the address, and nothing started.
    let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port");
    let busy_addr = busy.local_addr().unwrap();
    let error = Builder::new()
        .listen_address(busy_addr)
        .install()
        .expect_err("the port is taken");
    assert!(
        matches!(&error, Error::Bind { addr, .. } if *addr == busy_addr),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&busy_addr.to_string()),
        "the error names the address: {message}"
    );
    assert!(
        std::error::Error::source(&error).is_some(),
        "the OS error is kept as the source"
    );
    assert_eq!(
        threads_named(RUNTIME_THREADS),
        0,
        "a failed install starts no thread"
    );
    assert!(called_around_install(false).is_ok());

    // The retry on the same address, now free, works: the failed attempt holds no socket.
    drop(busy);
    let exporter = Builder::new()
        .listen_address(busy_addr)
        .install()
        .expect("the port is free now");
    assert!(exporter.is_enabled());
    assert_eq!(exporter.local_addr(), Some(busy_addr));
    assert!(
        threads_named(RUNTIME_THREADS) >= 1,
        "the listener runs on its own thread"
    );

    for fail in [false, true, true, false, false] {
        assert_eq!(called_around_install(fail).is_err(), fail);
    }
    let rendered = exporter.render();
    assert_eq!(
        calls(&rendered, "called_around_install", MODULE),
        Calls::finished(3, 2, 0, 0),
        "only the calls made after install count"
    );

    // GET /metrics serves what render() shows.
    let send = |method: &str, target: &str| {
        http::request(busy_addr, method, target, &[]).unwrap_or_else(|error| panic!("{error}"))
    };
    let response = send("GET", "/metrics");
    assert_eq!(response.status, 200, "{response:?}");
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "Content-Type: {content_type}"
    );
    assert_eq!(
        calls(&response.text().unwrap(), "called_around_install", MODULE),
        Calls::finished(3, 2, 0, 0)
    );
    let length = response
        .header("content-length")
        .and_then(|length| length.parse::<usize>().ok());
    assert_eq!(length, Some(response.body.len()), "{response:?}");

    // HEAD: the same head, no body.
    let response = send("HEAD", "/metrics");
    assert_eq!(response.status, 200, "{response:?}");
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "Content-Type: {content_type}"
    );
    assert_eq!(response.body, b"", "HEAD has no body");

    // A query string does not change the path.
    let response = send("GET", "/metrics?name[]=function_calls_total");
    assert_eq!(response.status, 200, "{response:?}");

    let response = send("GET", "/health");
    assert_eq!(response.status, 200, "{response:?}");
    let response = send("GET", "/nope");
    assert_eq!(response.status, 404, "{response:?}");
    let response = send("GET", "/");
    assert_eq!(response.status, 404, "{response:?}");
    for method in ["POST", "PUT", "DELETE"] {
        let response = send(method, "/metrics");
        assert_eq!(response.status, 405, "{method} /metrics: {response:?}");
        let allow = response.header("allow").unwrap_or_default();
        assert!(allow.contains("GET"), "{method} /metrics: Allow: {allow}");
    }

    // A second install is refused, starts nothing, and the first one keeps serving.
    let threads = threads_named(RUNTIME_THREADS);
    let second = Builder::new()
        .listen_address(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .install();
    assert!(matches!(second, Err(Error::AlreadyInstalled)), "{second:?}");
    let second = instrument_metrics::install();
    assert!(matches!(second, Err(Error::AlreadyInstalled)), "{second:?}");
    let second = Builder::new().enabled(false).install();
    assert!(matches!(second, Err(Error::AlreadyInstalled)), "{second:?}");
    assert!(
        eventually(|| threads_named(RUNTIME_THREADS) <= threads),
        "a refused install starts no thread"
    );
    assert!(
        called_around_install(false).is_ok(),
        "calls still record after a refused install"
    );
    let scraped = scrape(busy_addr);
    assert_eq!(
        calls(&scraped, "called_around_install", MODULE),
        Calls::finished(4, 2, 0, 0)
    );
    assert_eq!(
        expect_value(
            &scraped,
            "function_calls_in_flight",
            &[("function", "called_around_install"), ("module", MODULE)]
        ),
        0.0
    );

    // Shutdown closes the socket and ends the threads.
    exporter.shutdown().expect("shutdown stops the listener");
    assert!(
        eventually(|| threads_named(RUNTIME_THREADS) == 0),
        "{} runtime threads still run after shutdown",
        threads_named(RUNTIME_THREADS)
    );
    assert!(
        TcpStream::connect_timeout(&busy_addr, Duration::from_secs(1)).is_err(),
        "nothing listens on {busy_addr} after shutdown"
    );
    TcpListener::bind(busy_addr).expect("the port is free again after shutdown");
}

//! Configuration from the environment: a value that does not parse is an error naming the
//! variable and the value, nothing is installed then, and an install with valid values succeeds
//! afterwards.
//!
//! Setting environment variables is `unsafe` (edition 2024): this file is its own process and
//! holds one test, so no other thread reads the environment while it changes.

mod support;

use instrument_metrics::{Builder, Error};
use support::threads::{RUNTIME_THREADS, threads_named};

const ENABLE_METRICS: &str = "ENABLE_METRICS";
const METRICS_ADDR: &str = "METRICS_ADDR";

fn set(var: &str, value: &str) {
    // SAFETY: this test binary runs a single test, and nothing it started reads the environment
    // concurrently (no runtime threads exist while the variables change).
    unsafe { std::env::set_var(var, value) };
}

fn unset(var: &str) {
    // SAFETY: as in `set`.
    unsafe { std::env::remove_var(var) };
}

fn assert_invalid(result: Result<impl std::fmt::Debug, Error>, var: &str, value: &str) {
    let error = result.expect_err("the value does not parse");
    let message = error.to_string();
    assert!(message.contains(var), "the error names {var}: {message}");
    assert!(
        message.contains(value),
        "the error names the value {value:?}: {message}"
    );
    match error {
        Error::Invalid {
            origin,
            value: held,
            ..
        } => {
            assert_eq!(origin, var);
            assert_eq!(held, value);
        }
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

#[test]
fn invalid_values_are_errors_naming_variable_and_value_and_install_nothing() {
    unset(ENABLE_METRICS);
    set(METRICS_ADDR, "nonsense");
    assert_invalid(Builder::from_env(), METRICS_ADDR, "nonsense");
    assert_invalid(instrument_metrics::install(), METRICS_ADDR, "nonsense");
    set(METRICS_ADDR, "127.0.0.1:99999");
    assert_invalid(
        instrument_metrics::install(),
        METRICS_ADDR,
        "127.0.0.1:99999",
    );

    unset(METRICS_ADDR);
    set(ENABLE_METRICS, "maybe");
    assert_invalid(Builder::from_env(), ENABLE_METRICS, "maybe");
    assert_invalid(instrument_metrics::install(), ENABLE_METRICS, "maybe");

    unset(ENABLE_METRICS);
    set("METRICS_EXEMPLARS", "sometimes");
    assert_invalid(Builder::from_env(), "METRICS_EXEMPLARS", "sometimes");
    assert_invalid(
        instrument_metrics::install(),
        "METRICS_EXEMPLARS",
        "sometimes",
    );
    unset("METRICS_EXEMPLARS");

    assert_eq!(
        threads_named(RUNTIME_THREADS),
        0,
        "a refused install starts no thread"
    );

    // Valid values: the install that follows works and honours them.
    set(ENABLE_METRICS, "true");
    set(METRICS_ADDR, "127.0.0.1:0");
    let exporter = instrument_metrics::install().expect("valid configuration installs");
    assert!(exporter.is_enabled());
    let addr = exporter.local_addr().expect("an enabled exporter listens");
    assert!(addr.ip().is_loopback(), "METRICS_ADDR is honoured: {addr}");
    assert_ne!(
        addr.port(),
        0,
        "port 0 picks a free port and local_addr() reports it"
    );
}

//! An objective whose latency threshold is not one of its function's buckets, when the buckets
//! are not known at compile time (the default ones, `METRICS_BUCKETS`, `Builder::buckets`):
//! `install()` returns an error naming the function and installs nothing; with buckets that
//! hold the threshold, a second `install()` works.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use instrument_metrics::{Builder, Error, Objective, instrument_metrics};

const PAYMENTS: Objective = Objective::new("payments")
    .success_rate(99.9)
    .latency(Duration::from_millis(200), 99.0);

#[instrument_metrics(objective = PAYMENTS)]
fn pay(cents: u64) -> Result<u64, std::io::Error> {
    Ok(cents)
}

#[test]
fn a_threshold_off_the_default_buckets_fails_install_naming_the_function() {
    let builder = || Builder::new().listen_address(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    let error = builder()
        .install()
        .expect_err("0.2 is not a default bucket");
    assert!(matches!(error, Error::Objective { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the objective of objectives_install::pay: the latency threshold of objective \
         \"payments\" (200ms) is not one of its duration buckets [0.005, 0.01, 0.025, 0.05, \
         0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]: add 0.2 to the buckets or \
         choose one of them"
    );

    let exporter = builder()
        .buckets(&[0.1, 0.2, 0.5])
        .install()
        .expect("with 0.2 among the buckets, installing works");
    pay(5).unwrap();
    let text = exporter.render();
    assert!(
        text.lines().any(|line| line
            == "function_calls_objective_info{function=\"pay\",module=\"objectives_install\",\
                objective=\"payments\",success_target=\"0.999\",latency_target=\"0.99\",\
                latency_le=\"0.2\"} 1"),
        "{text}"
    );
    assert!(
        text.lines().any(|line| line
            == "function_calls_objective_latency_target{function=\"pay\",\
                module=\"objectives_install\",objective=\"payments\",latency_le=\"0.2\"} 0.99"),
        "the bound of a bucket install() was given:\n{text}"
    );
}

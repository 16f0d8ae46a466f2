//! `instrument_metrics::testing`: what users' own tests rely on. Captures are per thread (or per
//! future), so tests running in parallel never see each other's calls, and no global recorder
//! is involved: this binary installs none, and nothing here can fail with "recorder already set".

use std::time::Duration;

use instrument_metrics::testing::{capture, capture_future};
use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(MetricLabel, Debug)]
enum FetchError {
    NotFound,
    Unavailable,
}

#[instrument_metrics]
fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    input.parse()
}

#[instrument_metrics(name = "store_fetch", labels(store = "primary"))]
async fn fetch(key: u32) -> Result<u32, FetchError> {
    tokio::task::yield_now().await;
    match key {
        0 => Err(FetchError::NotFound),
        1 => Err(FetchError::Unavailable),
        key => Ok(key * 2),
    }
}

#[test]
fn a_capture_sees_exactly_its_own_calls() {
    let (parsed, captured) = capture(|| {
        parse("1").unwrap();
        parse("2").unwrap();
        parse("x").unwrap_err()
    });
    assert_eq!(parsed.to_string(), "invalid digit found in string");
    assert_eq!(captured.calls("parse", "ok"), 2);
    assert_eq!(captured.calls("parse", "error"), 1);
    assert_eq!(
        captured.histogram_count("function_calls_duration_seconds", &[("function", "parse")]),
        3
    );
    assert_eq!(
        captured.gauge("function_calls_in_flight", &[("function", "parse")]),
        Some(0.0)
    );
    let (_, help) = captured
        .description("function_calls_total")
        .expect("described");
    assert!(
        help.starts_with("Calls of instrumented functions"),
        "{help}"
    );
}

#[test]
fn calls_outside_a_capture_are_not_captured() {
    parse("7").unwrap();
    let ((), captured) = capture(|| {});
    assert_eq!(captured.calls("parse", "ok"), 0);
    assert!(captured.series().is_empty(), "{:?}", captured.series());
}

/// Many captures on many threads at once, each with a different number of calls: each sees only
/// its own, which a shared registry could not do.
#[test]
fn parallel_captures_do_not_see_each_other() {
    let threads: Vec<_> = (1..=8_u32)
        .map(|calls| {
            std::thread::spawn(move || {
                let ((), captured) = capture(|| {
                    for _ in 0..calls * 10 {
                        parse("3").unwrap();
                    }
                });
                (calls * 10, captured.calls("parse", "ok"))
            })
        })
        .collect();
    for thread in threads {
        let (made, seen) = thread.join().unwrap();
        assert_eq!(u64::from(made), seen);
    }
}

/// A future captured on a multi-thread runtime may be polled on different workers; every poll
/// records into the same capture.
#[test]
fn a_captured_future_keeps_its_calls_across_worker_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let (results, captured) = runtime.block_on(async {
        tokio::spawn(capture_future(async {
            let mut results = Vec::new();
            for key in 0..6 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                results.push(fetch(key).await);
            }
            results
        }))
        .await
        .unwrap()
    });
    assert_eq!(results.iter().filter(|result| result.is_ok()).count(), 4);
    let labels = |result| {
        [
            ("function", "fetch"),
            ("store", "primary"),
            ("result", result),
        ]
    };
    assert_eq!(captured.counter("store_fetch_total", &labels("ok")), 4);
    let error = |variant| {
        [
            ("function", "fetch"),
            ("result", "error"),
            ("error", variant),
        ]
    };
    assert_eq!(
        captured.counter("store_fetch_total", &error("not_found")),
        1
    );
    assert_eq!(
        captured.counter("store_fetch_total", &error("unavailable")),
        1
    );
    assert_eq!(
        captured.histogram_count("store_fetch_duration_seconds", &[("function", "fetch")]),
        6
    );
    assert_eq!(
        captured.gauge("store_fetch_in_flight", &[("function", "fetch")]),
        Some(0.0)
    );
}

/// Futures captured side by side on one thread keep their calls apart.
#[test]
fn concurrent_captured_futures_on_one_thread_stay_apart() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ((first, second), ()) = runtime.block_on(async {
        let first = capture_future(async {
            for key in 2..5 {
                fetch(key).await.unwrap();
            }
        });
        let second = capture_future(async {
            fetch(0).await.unwrap_err();
        });
        let ((_, first), (_, second)) = tokio::join!(first, second);
        ((first, second), ())
    });
    assert_eq!(
        first.calls("fetch", "ok"),
        0,
        "custom family, not function_calls_total"
    );
    assert_eq!(first.counter("store_fetch_total", &[("result", "ok")]), 3);
    assert_eq!(
        first.counter("store_fetch_total", &[("result", "error")]),
        0
    );
    assert_eq!(second.counter("store_fetch_total", &[("result", "ok")]), 0);
    assert_eq!(
        second.counter("store_fetch_total", &[("error", "not_found")]),
        1
    );
}

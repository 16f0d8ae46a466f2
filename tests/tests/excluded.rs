//! Excluded functions (`METRICS_EXCLUDED_HANDLERS`, here `Builder::exclude`) in every form the
//! attribute expands to: `install()` switches their call sites off, so they have no series, not
//! even zero-valued ones, record into no recorder, and still return what they return; the
//! functions next to them record as usual.

mod support;

use std::future::Future;
use std::io;

use instrument_metrics::{Builder, MetricLabel, instrument_metrics};
use metrics_util::debugging::DebuggingRecorder;
use support::calls::{Calls, calls, recorded_calls};
use support::recorded::recorded;

const MODULE: &str = "excluded";

#[derive(Clone, Copy, MetricLabel)]
enum Lane {
    Fast,
    Slow,
}

#[instrument_metrics]
fn skipped_sync(fail: bool) -> io::Result<u8> {
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics(labels(lane))]
fn skipped_labelled(lane: Lane) -> u8 {
    match lane {
        Lane::Fast => 2,
        Lane::Slow => 3,
    }
}

#[instrument_metrics]
async fn skipped_async(fail: bool) -> io::Result<u8> {
    tokio::task::yield_now().await;
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(4)
    }
}

#[allow(
    clippy::manual_async_fn,
    reason = "the shape under test: a future built by an async block"
)]
#[instrument_metrics]
fn skipped_future() -> impl Future<Output = u8> {
    async {
        tokio::task::yield_now().await;
        5
    }
}

#[instrument_metrics]
fn kept(fail: bool) -> io::Result<u8> {
    skipped_sync(fail)
}

#[test]
fn excluded_functions_have_no_series_and_record_nowhere() {
    let exporter = Builder::new()
        .without_listener()
        .exclude("skipped_.*")
        .install()
        .expect("install with an exclusion");
    let before = exporter.render();
    assert!(!before.contains("skipped_"), "{before}");
    assert_eq!(calls(&before, "kept", MODULE), Calls::finished(0, 0, 0, 0));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run_each = || {
        for fail in [false, true, false] {
            assert_eq!(kept(fail).is_err(), fail);
            assert_eq!(skipped_sync(fail).is_err(), fail);
            let awaited = runtime.block_on(skipped_async(fail));
            assert_eq!(awaited.ok(), (!fail).then_some(4));
        }
        assert_eq!(skipped_labelled(Lane::Fast), 2);
        assert_eq!(skipped_labelled(Lane::Slow), 3);
        assert_eq!(runtime.block_on(skipped_future()), 5);
    };
    run_each();
    let after = exporter.render();
    assert!(!after.contains("skipped_"), "{after}");
    assert_eq!(calls(&after, "kept", MODULE), Calls::finished(2, 1, 0, 0));

    // Switched off means not recorded into any recorder, a thread-local one included.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, run_each);
    let seen = recorded(snapshotter.snapshot());
    assert!(
        seen.iter().all(|entry| entry
            .labels
            .get("function")
            .is_none_or(|function| !function.starts_with("skipped_"))),
        "an excluded function recorded {seen:?}"
    );
    assert_eq!(
        recorded_calls(&seen, "kept", MODULE),
        Calls::finished(2, 1, 0, 0)
    );
}

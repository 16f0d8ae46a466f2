//! Instrumented code records into thread-local recorders (`metrics::with_local_recorder`, as tests
//! of user code do): each recorder sees exactly the calls made while it is set on this thread,
//! also when a later one lives at the same address, and with the HELP text of each family.
//!
//! No global recorder is ever set in this process.

mod support;

use std::io;
use std::panic::catch_unwind;
use std::time::Duration;

use instrument_metrics::instrument_metrics;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebuggingRecorder, Snapshotter};
use support::calls::{Calls, recorded_calls};
use support::recorded::{RecordedValue, recorded};

const MODULE: &str = "recorders";

#[instrument_metrics]
fn local_sequential(fail: bool) -> io::Result<u8> {
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[test]
fn sequential_local_recorders_at_the_same_address_each_see_only_their_own_calls() {
    // One slot, so every recorder placed in it has the same address: a handle cached for the
    // first one would send the second one's calls into the first, dropped, recorder.
    let mut slot: Option<DebuggingRecorder> = None;
    let mut addresses = Vec::new();
    for (round, calls_made) in [
        (0_u32, [false, true].as_slice()),
        (1, &[false, false, true]),
        (2, &[true]),
    ] {
        let recorder = slot.insert(DebuggingRecorder::new());
        let snapshotter = recorder.snapshotter();
        addresses.push(std::ptr::from_ref(recorder).addr());
        metrics::with_local_recorder(recorder, || {
            for &fail in calls_made {
                assert_eq!(local_sequential(fail).is_err(), fail);
            }
        });
        let ok = u32::try_from(calls_made.iter().filter(|fail| !**fail).count()).unwrap();
        let error = u32::try_from(calls_made.len()).unwrap() - ok;
        let seen = recorded(snapshotter.snapshot());
        assert_eq!(
            recorded_calls(&seen, "local_sequential", MODULE),
            Calls::finished(ok, error, 0, 0),
            "round {round}"
        );
        slot = None;
    }
    assert!(
        addresses.windows(2).all(|pair| pair[0] == pair[1]),
        "the recorders shared one address: {addresses:?}"
    );
}

#[instrument_metrics]
fn local_other_thread() -> u8 {
    1
}

#[test]
fn calls_on_another_thread_do_not_land_in_this_threads_local_recorder() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let elsewhere = std::thread::spawn(|| (0..3).map(|_| local_other_thread()).sum::<u8>());
        assert_eq!(elsewhere.join().unwrap(), 3);
        assert_eq!(local_other_thread(), 1);
    });
    let seen = recorded(snapshotter.snapshot());
    assert_eq!(
        recorded_calls(&seen, "local_other_thread", MODULE),
        Calls::finished(1, 0, 0, 0)
    );
}

#[instrument_metrics]
fn local_nested() -> u8 {
    1
}

#[test]
fn a_nested_local_recorder_takes_over_and_hands_back() {
    let outer = DebuggingRecorder::new();
    let inner = DebuggingRecorder::new();
    let (outer_snapshots, inner_snapshots) = (outer.snapshotter(), inner.snapshotter());
    metrics::with_local_recorder(&outer, || {
        local_nested();
        metrics::with_local_recorder(&inner, || {
            local_nested();
            local_nested();
        });
        local_nested();
        local_nested();
        local_nested();
    });
    let outer_seen = recorded(outer_snapshots.snapshot());
    let inner_seen = recorded(inner_snapshots.snapshot());
    assert_eq!(
        recorded_calls(&outer_seen, "local_nested", MODULE),
        Calls::finished(4, 0, 0, 0)
    );
    assert_eq!(
        recorded_calls(&inner_seen, "local_nested", MODULE),
        Calls::finished(2, 0, 0, 0)
    );
}

#[instrument_metrics]
fn local_described(fail: bool) -> Result<(), String> {
    if fail {
        Err("failed".to_owned())
    } else {
        Ok(())
    }
}

#[test]
fn the_recorder_gets_every_family_with_its_help_text_and_labels() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        local_described(false).unwrap();
        local_described(true).unwrap_err();
    });
    let seen = recorded(snapshotter.snapshot());
    let families = [
        ("function_calls_total", MetricKind::Counter),
        ("function_calls_duration_seconds", MetricKind::Histogram),
        ("function_calls_in_flight", MetricKind::Gauge),
    ];
    for (name, kind) in families {
        let entries: Vec<_> = seen.iter().filter(|entry| entry.name == name).collect();
        assert!(!entries.is_empty(), "no {name} in {seen:?}");
        for entry in entries {
            assert_eq!(entry.kind, kind, "{entry:?}");
            let help = entry.description.as_deref().unwrap_or_default();
            assert!(help.len() > 10, "{name} has no HELP text: {entry:?}");
            assert_eq!(
                entry.labels.get("function").map(String::as_str),
                Some("local_described")
            );
            assert_eq!(entry.labels.get("module").map(String::as_str), Some(MODULE));
            let label_names: Vec<&str> = entry.labels.keys().map(String::as_str).collect();
            let expected_labels: &[&str] = if kind == MetricKind::Counter {
                &["function", "module", "result"]
            } else {
                &["function", "module"]
            };
            assert_eq!(label_names, expected_labels, "{entry:?}");
        }
    }
    let durations: Vec<f64> = seen
        .iter()
        .filter_map(|entry| match &entry.value {
            RecordedValue::Histogram(values) => Some(values.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(durations.len(), 2, "{seen:?}");
    assert!(
        durations.iter().all(|seconds| (0.0..1.0).contains(seconds)),
        "durations are in seconds: {durations:?}"
    );
    assert_eq!(
        recorded_calls(&seen, "local_described", MODULE),
        Calls::finished(1, 1, 0, 0)
    );
}

#[instrument_metrics]
fn local_panics(panic: bool) -> u8 {
    assert!(!panic, "local_panics was told to panic");
    1
}

#[instrument_metrics]
async fn local_async(wait: bool) -> io::Result<u8> {
    if wait {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    tokio::task::yield_now().await;
    Ok(1)
}

/// Runs `calls` on a current-thread runtime under a fresh local recorder.
fn under_local_recorder(calls: impl FnOnce(&tokio::runtime::Runtime)) -> Snapshotter {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || calls(&runtime));
    snapshotter
}

#[test]
fn panics_and_cancellations_land_in_the_local_recorder_with_the_gauge_at_zero() {
    let snapshotter = under_local_recorder(|runtime| {
        assert!(catch_unwind(|| local_panics(true)).is_err());
        assert_eq!(local_panics(false), 1);
        runtime.block_on(async {
            for wait in [true, false, true] {
                let finished =
                    tokio::time::timeout(Duration::from_millis(10), local_async(wait)).await;
                assert_eq!(finished.is_err(), wait);
            }
        });
    });
    let seen = recorded(snapshotter.snapshot());
    assert_eq!(
        recorded_calls(&seen, "local_panics", MODULE),
        Calls::finished(1, 0, 1, 0)
    );
    assert_eq!(
        recorded_calls(&seen, "local_async", MODULE),
        Calls::finished(1, 0, 0, 2)
    );
}

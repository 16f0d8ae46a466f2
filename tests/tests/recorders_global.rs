//! Instrumented code records into a foreign global recorder (`metrics::set_global_recorder`)
//! set late: calls before it record nothing, calls after it count exactly, also at a call site
//! whose first call happened before (it must not have cached the no-op recorder), on any thread,
//! and around a thread-local recorder set for a while.
//!
//! The order matters and one process can set one global recorder, so this file holds one test.

mod support;

use std::io;
use std::time::Duration;

use instrument_metrics::instrument_metrics;
use metrics_util::debugging::DebuggingRecorder;
use support::calls::{Calls, recorded_calls};
use support::recorded::recorded;

const MODULE: &str = "recorders_global";

#[instrument_metrics]
fn called_early(fail: bool) -> io::Result<u8> {
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
fn called_late() -> u8 {
    1
}

#[instrument_metrics]
async fn called_early_async(fail: bool) -> io::Result<u8> {
    tokio::task::yield_now().await;
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[test]
fn a_global_recorder_set_late_sees_exactly_the_calls_made_after_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // Before any recorder: inert, on this thread and others.
    for fail in [false, true, false] {
        assert_eq!(called_early(fail).is_err(), fail);
        assert_eq!(runtime.block_on(called_early_async(fail)).is_err(), fail);
    }
    std::thread::spawn(|| called_early(false))
        .join()
        .unwrap()
        .unwrap();

    // A thread-local recorder before the global one exists: it sees its call, and what it
    // resolved must not stick to the call site once the global one is set.
    let local = DebuggingRecorder::new();
    let local_snapshots = local.snapshotter();
    metrics::with_local_recorder(&local, || called_early(true).unwrap_err());
    let seen = recorded(local_snapshots.snapshot());
    assert_eq!(
        recorded_calls(&seen, "called_early", MODULE),
        Calls::finished(0, 1, 0, 0)
    );

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder).expect("no global recorder is set yet");

    for fail in [true, false] {
        assert_eq!(called_early(fail).is_err(), fail);
    }
    assert_eq!(called_late(), 1);
    for fail in [false, false, true] {
        assert_eq!(
            runtime
                .block_on(async { tokio::spawn(called_early_async(fail)).await.unwrap() })
                .is_err(),
            fail
        );
    }
    let other_threads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(|| called_early(false).unwrap()))
        .collect();
    for thread in other_threads {
        assert_eq!(thread.join().unwrap(), 1);
    }

    let seen = recorded(snapshotter.snapshot());
    assert_eq!(
        recorded_calls(&seen, "called_early", MODULE),
        Calls::finished(5, 1, 0, 0),
        "{seen:#?}"
    );
    assert_eq!(
        recorded_calls(&seen, "called_late", MODULE),
        Calls::finished(1, 0, 0, 0),
        "{seen:#?}"
    );
    assert_eq!(
        recorded_calls(&seen, "called_early_async", MODULE),
        Calls::finished(2, 1, 0, 0),
        "{seen:#?}"
    );

    // Again a while later: the runtime may recognise a foreign global recorder lazily (and only
    // then cache handles for it); the counts must be exact either way.
    std::thread::sleep(Duration::from_millis(300));
    for fail in [false, true, false] {
        assert_eq!(called_early(fail).is_err(), fail);
        assert_eq!(runtime.block_on(called_early_async(fail)).is_err(), fail);
    }
    assert_eq!(called_late(), 1);
    let seen = recorded(snapshotter.snapshot());
    assert_eq!(
        recorded_calls(&seen, "called_early", MODULE),
        Calls::finished(2, 1, 0, 0),
        "{seen:#?}"
    );
    assert_eq!(
        recorded_calls(&seen, "called_late", MODULE),
        Calls::finished(1, 0, 0, 0),
        "{seen:#?}"
    );
    assert_eq!(
        recorded_calls(&seen, "called_early_async", MODULE),
        Calls::finished(2, 1, 0, 0),
        "{seen:#?}"
    );
    let described = seen
        .iter()
        .filter(|entry| entry.name == "function_calls_total");
    for entry in described {
        assert!(
            entry
                .description
                .as_deref()
                .is_some_and(|help| !help.is_empty()),
            "no HELP text: {entry:?}"
        );
    }

    // A thread-local recorder set on top of the global one takes the calls made under it, and
    // the global one gets the calls after it back.
    let local = DebuggingRecorder::new();
    let local_snapshots = local.snapshotter();
    metrics::with_local_recorder(&local, || {
        called_early(false).unwrap();
        called_late();
    });
    called_early(true).unwrap_err();
    called_late();
    called_late();

    let local_seen = recorded(local_snapshots.snapshot());
    assert_eq!(
        recorded_calls(&local_seen, "called_early", MODULE),
        Calls::finished(1, 0, 0, 0)
    );
    assert_eq!(
        recorded_calls(&local_seen, "called_late", MODULE),
        Calls::finished(1, 0, 0, 0)
    );
    let global_seen = recorded(snapshotter.snapshot());
    assert_eq!(
        recorded_calls(&global_seen, "called_early", MODULE),
        Calls::finished(0, 1, 0, 0),
        "{global_seen:#?}"
    );
    assert_eq!(
        recorded_calls(&global_seen, "called_late", MODULE),
        Calls::finished(2, 0, 0, 0),
        "{global_seen:#?}"
    );
}

//! A disabled install (`enabled(false)`, what `ENABLE_METRICS=false` gives): calls record
//! nothing, even into a recorder set afterwards, `render()` is empty, nothing listens and no
//! thread runs.

mod support;

use std::io;

use instrument_metrics::{Builder, Error, instrument_metrics};
use metrics_util::debugging::DebuggingRecorder;
use support::recorded::recorded;
use support::threads::{RUNTIME_THREADS, threads_named};

#[instrument_metrics]
fn disabled_sync(fail: bool) -> io::Result<u8> {
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
async fn disabled_async(fail: bool) -> io::Result<u8> {
    tokio::task::yield_now().await;
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[test]
fn a_disabled_install_records_and_serves_nothing() {
    let exporter = Builder::new()
        .enabled(false)
        .install()
        .expect("a disabled install succeeds");
    assert!(!exporter.is_enabled());
    assert_eq!(exporter.local_addr(), None);
    assert_eq!(
        threads_named(RUNTIME_THREADS),
        0,
        "nothing is served, so nothing runs"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for fail in [false, true] {
        assert_eq!(disabled_sync(fail).is_err(), fail);
        assert_eq!(runtime.block_on(disabled_async(fail)).is_err(), fail);
    }
    assert_eq!(exporter.render(), "");

    let again = Builder::new().install();
    assert!(matches!(again, Err(Error::AlreadyInstalled)), "{again:?}");

    // Disabled means the call sites do not record at all, whatever recorder is active.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder)
        .expect("no global recorder is set: the disabled install set none");
    for fail in [false, true] {
        assert_eq!(disabled_sync(fail).is_err(), fail);
        assert_eq!(runtime.block_on(disabled_async(fail)).is_err(), fail);
    }
    let seen = recorded(snapshotter.snapshot());
    assert!(seen.is_empty(), "a disabled process recorded {seen:?}");
    assert_eq!(exporter.render(), "");
}

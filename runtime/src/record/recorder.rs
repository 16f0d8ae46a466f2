//! Which recorder a call records into, and whether its handles may be cached.
//!
//! `metrics` handles belong to the recorder that registered them, so a call site caches handles
//! only for the global recorder: it is set at most once per process and lives forever, so its
//! address identifies it for good. A thread-local recorder (`with_local_recorder`, as tests use)
//! may be dropped and a new one built at the same address, so calls under one resolve their
//! handles on every call instead of trusting a cached address.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use metrics::Recorder;

const PROBE_INTERVAL: Duration = Duration::from_millis(100);

/// Address of the global recorder once it is known; 0 until then.
static GLOBAL: AtomicUsize = AtomicUsize::new(0);

/// What the recorder handed out by `metrics::with_recorder` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Active {
    /// The no-op recorder: nothing is installed anywhere. Calls record nothing.
    Noop,
    /// The process-wide recorder: handles resolved against it stay valid forever.
    Global,
    /// A thread-local recorder: resolve on every call, cache nothing.
    Local,
}

/// The identity of a recorder: the address `with_recorder` hands out.
pub(crate) fn address(recorder: &dyn Recorder) -> usize {
    std::ptr::from_ref(recorder).cast::<()>() as usize
}

pub(crate) fn classify(recorder: &dyn Recorder) -> Active {
    // The no-op recorder is zero-sized; a recorder that keeps no state has nothing to record into.
    if size_of_val(recorder) == 0 {
        return Active::Noop;
    }
    let address = address(recorder);
    let global = match GLOBAL.load(Ordering::Relaxed) {
        0 if probe_due() => probe_global(),
        known => known,
    };
    // Taking the global recorder for a local one only costs a per-call resolution until the next
    // probe; the reverse would cache handles of a recorder that may go away, so unknown is local.
    if global == address {
        Active::Global
    } else {
        Active::Local
    }
}

/// Probes at most every `PROBE_INTERVAL` while the global recorder is unknown, so tests that
/// record under a thread-local recorder do not start a thread per call.
fn probe_due() -> bool {
    static LAST_PROBE: Mutex<Option<Instant>> = Mutex::new(None);
    let Ok(mut last) = LAST_PROBE.lock() else {
        return false;
    };
    let now = Instant::now();
    let due = last.is_none_or(|last| now.duration_since(last) >= PROBE_INTERVAL);
    if due {
        *last = Some(now);
    }
    due
}

/// Whether the recorder a call on this thread records into is the global one (no thread-local
/// recorder is set), once the global recorder is known.
#[inline]
pub(crate) fn global_is_active() -> bool {
    metrics::with_recorder(|recorder| address(recorder) == GLOBAL.load(Ordering::Relaxed))
}

/// The global recorder's address, once known.
#[cfg(feature = "exporter")]
pub(crate) fn global() -> Option<usize> {
    match GLOBAL.load(Ordering::Relaxed) {
        0 => None,
        known => Some(known),
    }
}

/// Records the global recorder's address; `install()` calls it right after setting the recorder.
#[cfg(feature = "exporter")]
pub(crate) fn learn_global() {
    probe_global();
}

/// Looks at the recorder from a fresh thread, where no thread-local recorder can be set: what it
/// sees is the global recorder, or the no-op one when none is set yet. Runs only until the global
/// recorder is known.
fn probe_global() -> usize {
    let seen = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("instrument-metrics-probe".into())
            .spawn_scoped(scope, || {
                metrics::with_recorder(|recorder| {
                    (size_of_val(recorder) != 0).then(|| address(recorder))
                })
            })
            .ok()
            .and_then(|probe| probe.join().ok().flatten())
    });
    match seen {
        Some(address) => {
            GLOBAL.store(address, Ordering::Relaxed);
            address
        }
        None => 0,
    }
}

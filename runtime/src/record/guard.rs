//! The per-call guard: it owns the start time and records the call exactly once.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::clock::Instant;

use super::classify::Classified;
use super::handles::Handles;
use crate::exposition::CallSeries;
use crate::model::Outcome;

/// Records one call when finished, or when dropped without being finished: as a panic if the body
/// was running (it unwound), as cancelled if it was not (a future dropped between polls).
#[must_use = "the call is recorded when the guard is finished or dropped"]
pub struct Guard {
    live: Option<Live>,
}

struct Live {
    handles: Slot,
    start: Instant,
    /// Atomic so that the body of an `async fn` can mark it through a shared borrow held
    /// across `.await` (a `Cell` would make the user's future `!Send`); only ever relaxed.
    in_body: AtomicBool,
}

enum Slot {
    /// The installed exporter's series of a site without argument labels: the common case, one
    /// indirection less than [`Handles::Own`].
    Series(&'static CallSeries),
    Cached(&'static Handles),
    /// Resolved for a thread-local recorder, for this call only.
    Owned(Box<Handles>),
}

// An instrumented `async fn` holds `&Guard` across `.await`: were `Guard` not `Sync`, every such
// function's future would silently stop being `Send`.
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Guard>();
};

impl Guard {
    pub(crate) fn inert() -> Guard {
        Guard { live: None }
    }

    #[inline]
    pub(crate) fn series(series: &'static CallSeries) -> Guard {
        Guard::start(Slot::Series(series))
    }

    #[inline]
    pub(crate) fn cached(handles: &'static Handles) -> Guard {
        Guard::start(Slot::Cached(handles))
    }

    pub(crate) fn owned(handles: Handles) -> Guard {
        Guard::start(Slot::Owned(Box::new(handles)))
    }

    /// Inlined into each constructor, where the slot's variant is known.
    #[inline(always)]
    fn start(handles: Slot) -> Guard {
        handles.start();
        Guard {
            live: Some(Live {
                handles,
                start: Instant::now(),
                in_body: AtomicBool::new(true),
            }),
        }
    }

    /// Whether the body is running, for a future to mark around each poll (between polls it is
    /// not); `None` when the call is not recorded at all.
    #[inline]
    pub(crate) fn in_body(&self) -> Option<&AtomicBool> {
        self.live.as_ref().map(|live| &live.in_body)
    }

    /// Records the call with the outcome of its returned value.
    #[inline(always)]
    pub fn finish(self, outcome: Classified) {
        // Taken out without running `Drop`, which would only find nothing left to record.
        let mut guard = std::mem::ManuallyDrop::new(self);
        if let Some(live) = guard.live.take() {
            live.record(outcome);
        }
    }
}

impl Live {
    /// Out of line, so that what inlines into every instrumented function is the check for a
    /// live guard.
    #[inline(never)]
    fn record(self, outcome: Classified) {
        let nanos = self.start.elapsed_nanos();
        match self.handles {
            Slot::Series(series) => series.finish(outcome.outcome(), outcome.error(), nanos),
            Slot::Cached(handles) => handles.finish(outcome, nanos),
            Slot::Owned(handles) => handles.finish(outcome, nanos),
        }
    }
}

impl Slot {
    #[inline]
    fn start(&self) {
        match self {
            Slot::Series(series) => series.start(),
            Slot::Cached(handles) => handles.start(),
            Slot::Owned(handles) => handles.start(),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(live) = self.live.take() {
            let outcome = if live.in_body.load(Ordering::Relaxed) {
                Outcome::Panic
            } else {
                Outcome::Cancelled
            };
            live.record(outcome.into());
        }
    }
}

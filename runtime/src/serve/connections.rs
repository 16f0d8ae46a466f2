//! The listener's open connections, bounded: at the bound, admitting a connection closes the one
//! least likely to be a scraper's, so a flood of slow or idle connections cannot lock out
//! Prometheus.
//!
//! A connection that has not yet finished a request (it is still sending its first head, or
//! sends nothing at all) goes first, the oldest of them; only when none is left goes the oldest
//! connection that has been served before and now waits for its next request. The new
//! connection itself is never the one closed, so a client that sends its request right after
//! connecting is served even while the bound is full. The listener's head deadline closes the
//! rest in time anyway; the bound keeps their number, and so memory and file descriptors, fixed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

pub(crate) struct Connections {
    open: Arc<Mutex<Open>>,
}

struct Open {
    limit: usize,
    /// Keyed by admission order: the first entry is the oldest.
    by_age: BTreeMap<u64, Arc<State>>,
    next: u64,
}

#[derive(Default)]
struct State {
    /// Set once the connection has finished a request.
    served: AtomicBool,
    /// Woken when the connection is to close.
    close: Notify,
}

/// One admitted connection; dropping it (when the connection ends) frees its place.
pub(crate) struct Tracked {
    id: u64,
    state: Arc<State>,
    open: Arc<Mutex<Open>>,
}

impl Connections {
    pub(crate) fn new(limit: usize) -> Connections {
        Connections {
            open: Arc::new(Mutex::new(Open {
                limit,
                by_age: BTreeMap::new(),
                next: 0,
            })),
        }
    }

    /// Admits a new connection, closing another one first when the bound is reached.
    pub(crate) fn admit(&self) -> Tracked {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.by_age.len() >= open.limit {
            open.evict();
        }
        let id = open.next;
        open.next += 1;
        let state = Arc::new(State::default());
        open.by_age.insert(id, Arc::clone(&state));
        Tracked {
            id,
            state,
            open: Arc::clone(&self.open),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_age
            .len()
    }
}

impl Open {
    fn evict(&mut self) {
        let never_served = self
            .by_age
            .iter()
            .find(|(_, state)| !state.served.load(Ordering::Relaxed));
        let victim = never_served
            .or_else(|| self.by_age.iter().next())
            .map(|(id, _)| *id);
        if let Some(state) = victim.and_then(|id| self.by_age.remove(&id)) {
            // A stored permit: the connection closes even if it is not waiting yet.
            state.close.notify_one();
        }
    }
}

impl Tracked {
    /// Marks the connection as one that has finished a request.
    pub(crate) fn served(&self) {
        self.state.served.store(true, Ordering::Relaxed);
    }

    /// Finishes when the connection is to make room for another.
    pub(crate) async fn evicted(&self) {
        self.state.close.notified().await;
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_age
            .remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_evicted(tracked: &Tracked) -> bool {
        let open = tracked.open.lock().unwrap();
        !open.by_age.contains_key(&tracked.id)
    }

    #[test]
    fn the_oldest_unserved_connection_makes_room_first() {
        let connections = Connections::new(3);
        let first = connections.admit();
        let second = connections.admit();
        let third = connections.admit();
        first.served();
        let fourth = connections.admit();
        assert!(
            !is_evicted(&first),
            "a served connection went before unserved ones"
        );
        assert!(is_evicted(&second));
        assert!(!is_evicted(&third));
        assert_eq!(connections.len(), 3);
        third.served();
        fourth.served();
        // Every connection has been served: the oldest goes.
        let fifth = connections.admit();
        assert!(is_evicted(&first));
        assert!(!is_evicted(&fifth));
        assert_eq!(connections.len(), 3);
        drop((third, fourth, fifth));
        assert_eq!(connections.len(), 0);
    }
}

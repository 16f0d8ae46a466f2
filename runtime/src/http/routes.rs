//! A layer's routes, resolved once: route template and method to the series requests of it
//! count into (or to nothing, for an excluded route). Looking a route up reads the table only —
//! no lock, no allocation, nothing written — so requests on many cores share it freely; a route
//! seen for the first time takes a mutex, once.

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::exposition::HttpSeries;

/// Slots of the table; routes past it (a service with more than a few hundred route and method
/// pairs) are kept in a list behind the mutex.
const SLOTS: usize = 512;

/// One route template and method, and where its requests count.
pub(super) struct Route {
    handler: Box<str>,
    method: &'static str,
    /// `None`: the route is excluded.
    series: Option<&'static HttpSeries>,
}

pub(super) struct Routes {
    /// Open addressing by the hash of handler and method; a slot is set once, never cleared.
    slots: Box<[AtomicPtr<Route>]>,
    /// Serialises insertions, and holds the routes that found the table full.
    overflow: Mutex<Vec<Route>>,
}

impl Routes {
    pub(super) fn new() -> Routes {
        Routes {
            slots: (0..SLOTS).map(|_| AtomicPtr::default()).collect(),
            overflow: Mutex::new(Vec::new()),
        }
    }

    /// The series of `handler` and `method`; `resolve` makes it the first time (`None`: the
    /// route is not recorded).
    #[inline]
    pub(super) fn get(
        &self,
        handler: &str,
        method: &'static str,
        resolve: impl FnOnce() -> Option<&'static HttpSeries>,
    ) -> Option<&'static HttpSeries> {
        match self.probe(handler, method) {
            Some(series) => series,
            None => self.insert(handler, method, resolve),
        }
    }

    #[cold]
    fn insert(
        &self,
        handler: &str,
        method: &'static str,
        resolve: impl FnOnce() -> Option<&'static HttpSeries>,
    ) -> Option<&'static HttpSeries> {
        let mut overflow = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
        // Inserted while this thread waited, or earlier into the overflow list.
        let found = self.probe(handler, method).or_else(|| {
            overflow
                .iter()
                .find(|route| route.method == method && *route.handler == *handler)
                .map(|route| route.series)
        });
        if let Some(series) = found {
            return series;
        }
        let route = Box::new(Route {
            handler: handler.into(),
            method,
            series: resolve(),
        });
        let series = route.series;
        let start = hash(handler, method);
        let free = (0..SLOTS)
            .map(|probe| &self.slots[(start + probe) % SLOTS])
            .find(|slot| slot.load(Ordering::Acquire).is_null());
        match free {
            Some(slot) => slot.store(Box::into_raw(route), Ordering::Release),
            None => overflow.push(*route),
        }
        series
    }

    /// The table's entry of `handler` and `method`, if it has one.
    #[inline]
    fn probe(&self, handler: &str, method: &str) -> Option<Option<&'static HttpSeries>> {
        let start = hash(handler, method);
        for probe in 0..SLOTS {
            let route = self.slots[(start + probe) % SLOTS].load(Ordering::Acquire);
            if route.is_null() {
                return None;
            }
            // SAFETY: a slot is set once, from `Box::into_raw` in `insert`, and freed only with
            // `self`.
            let route = unsafe { &*route };
            if route.method == method && *route.handler == *handler {
                return Some(route.series);
            }
        }
        None
    }
}

impl Drop for Routes {
    fn drop(&mut self) {
        for slot in &mut self.slots {
            let route = *slot.get_mut();
            if !route.is_null() {
                // SAFETY: from `Box::into_raw` in `insert`; the table is going away.
                drop(unsafe { Box::from_raw(route) });
            }
        }
    }
}

/// A multiply-rotate hash of the handler, eight bytes at a time, and the method. Templates are
/// short and few, and a lookup compares the strings anyway: speed matters more than spread here
/// (a byte-at-a-time hash cost ~200 instructions a request).
fn hash(handler: &str, method: &str) -> usize {
    fn mix(hash: u64, bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        (hash ^ u64::from_le_bytes(word))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(31)
    }
    let words = handler.as_bytes().chunks_exact(8);
    let rest = words.remainder();
    let mut hash = words.fold(handler.len() as u64, mix);
    hash = mix(hash, rest);
    let method = method.as_bytes();
    hash = mix(hash, &method[..method.len().min(8)]);
    (hash ^ (hash >> 29)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_resolves_once_and_the_table_overflows_into_the_list() {
        let routes = Routes::new();
        let mut resolved = 0;
        for _ in 0..3 {
            for index in 0..SLOTS + 10 {
                let handler = format!("/r/{index}");
                assert!(
                    routes
                        .get(&handler, "GET", || {
                            resolved += 1;
                            None
                        })
                        .is_none()
                );
            }
        }
        assert_eq!(resolved, SLOTS + 10);
        assert_eq!(routes.overflow.lock().map(|list| list.len()).ok(), Some(10));
    }
}

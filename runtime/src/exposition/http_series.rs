//! The HTTP layer's series of one route template and method, in per-thread shards like a call
//! site's: requests by status in fixed slots, the duration histogram, the body sizes, and the
//! requests in progress (started minus finished). The HTTP layer resolves a route to its series
//! once; a request then only adds to its thread's shard.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::series::Bounds;
use super::shards::Shards;
use super::text;
use crate::model::names::http::{self, BUCKETS};

/// Status labels with a slot of their own: the classes (for grouped statuses), then the codes
/// servers send most. Others are counted in a shared map, the rare path.
const STATUSES: [&str; CLASSES + CODES.len()] = [
    "1xx", "2xx", "3xx", "4xx", "5xx", "100", "101", "200", "201", "202", "204", "206", "301",
    "302", "303", "304", "307", "308", "400", "401", "403", "404", "405", "406", "408", "409",
    "410", "411", "412", "413", "415", "416", "422", "429", "431", "499", "500", "501", "502",
    "503", "504",
];

const CLASSES: usize = 5;
const CODES: [u16; 36] = [
    100, 101, 200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406,
    408, 409, 410, 411, 412, 413, 415, 416, 422, 429, 431, 499, 500, 501, 502, 503, 504,
];

/// The cells of a shard: requests started, the duration sum in nanoseconds, the request and
/// response body bytes, one count per status slot, then one count per duration bucket (the
/// `+Inf` bucket last). Requests finished are the buckets' total, so the bucket is written last.
const STARTED: usize = 0;
const SUM_NANOS: usize = 1;
const RECEIVED: usize = 2;
const SENT: usize = 3;
const STATUS: usize = 4;
const BUCKET: usize = STATUS + STATUSES.len();
const CELLS: usize = BUCKET + BUCKETS.len() + 1;

/// The series of one route template and method.
pub(crate) struct HttpSeries {
    /// The route template, as registered.
    handler: String,
    method: &'static str,
    /// `handler="..",method=".."`, escaped, and `handler=".."` alone.
    labels: String,
    handler_label: String,
    bounds: Bounds,
    shards: Shards,
    /// Requests with a status without a slot, by status label.
    rare: Mutex<BTreeMap<String, u64>>,
}

/// How one request ended.
pub(crate) struct HttpFinished {
    pub(crate) status: u16,
    /// Whether the status is labelled by its class (`2xx`).
    pub(crate) grouped: bool,
    /// From the service call to the end of the response body, in nanoseconds.
    pub(crate) nanos: u64,
    pub(crate) sent: u64,
}

impl HttpFinished {
    /// The request's duration, for the `metrics` facade and exemplars.
    pub(crate) fn duration(&self) -> Duration {
        Duration::from_nanos(self.nanos)
    }

    /// The status's slot in [`STATUSES`], if it has one.
    fn slot(&self) -> Option<usize> {
        let class = usize::from(self.status / 100);
        if self.grouped {
            return (1..=5).contains(&class).then(|| class - 1);
        }
        let code = CODES.iter().position(|code| *code == self.status)?;
        Some(CLASSES + code)
    }

    /// The `status` label.
    pub(crate) fn label(&self) -> String {
        if self.grouped {
            format!("{}xx", self.status / 100)
        } else {
            self.status.to_string()
        }
    }
}

impl HttpSeries {
    pub(crate) fn new(handler: &str, method: &'static str) -> HttpSeries {
        HttpSeries {
            handler: handler.to_owned(),
            method,
            labels: text::labels([(http::HANDLER, handler), (http::METHOD, method)]),
            handler_label: text::labels([(http::HANDLER, handler)]),
            bounds: Bounds::new(BUCKETS),
            shards: Shards::new(CELLS),
            rare: Mutex::new(BTreeMap::new()),
        }
    }

    /// Whether this is the series of `handler` and `method`.
    pub(crate) fn is(&self, handler: &str, method: &str) -> bool {
        self.handler == handler && self.method == method
    }

    pub(crate) fn handler(&self) -> &str {
        &self.handler
    }

    pub(crate) fn method(&self) -> &'static str {
        self.method
    }

    /// A request started.
    #[inline]
    pub(crate) fn start(&self) {
        self.shards.local().add(STARTED, 1);
    }

    /// The service read `bytes` more of a request body.
    #[inline]
    pub(crate) fn received(&self, bytes: u64) {
        self.shards.local().add(RECEIVED, bytes);
    }

    /// A request ended: its response was sent, or it was dropped. Everything a request records
    /// when it ends goes through here.
    #[inline]
    pub(crate) fn finish(&self, finished: &HttpFinished) {
        let nanos = finished.nanos;
        let bucket = self.bounds.bucket(nanos);
        let shard = self.shards.local();
        shard.add(SUM_NANOS, nanos);
        shard.add(SENT, finished.sent);
        match finished.slot() {
            Some(slot) => shard.add(STATUS + slot, 1),
            None => self.count_rare(finished.label()),
        }
        shard.add(BUCKET + bucket, 1);
    }

    #[cold]
    fn count_rare(&self, status: String) {
        let mut rare = self.rare.lock().unwrap_or_else(PoisonError::into_inner);
        *rare.entry(status).or_default() += 1;
    }

    /// Requests finished.
    pub(crate) fn finished(&self) -> u64 {
        self.bounds.count(&self.shards, BUCKET)
    }

    /// The `requests_total` samples: one per status seen.
    pub(crate) fn render_requests(&self, out: &mut String, name: &str, custom: &str) {
        let mut sample = |status: &str, count: u64| {
            let status = text::labels([(http::STATUS, status)]);
            text::sample(out, name, &[custom, &self.labels, &status], count);
        };
        for (slot, status) in STATUSES.iter().enumerate() {
            let count = self.shards.sum(STATUS + slot);
            if count > 0 {
                sample(status, count);
            }
        }
        let rare = self.rare.lock().unwrap_or_else(PoisonError::into_inner);
        for (status, count) in rare.iter() {
            sample(status, *count);
        }
    }

    /// The in-progress sample.
    pub(crate) fn render_in_progress(&self, out: &mut String, name: &str, custom: &str) {
        // Finished first, as for call sites: the difference is never negative.
        let finished = self.finished();
        let running = self
            .shards
            .sum(STARTED)
            .wrapping_sub(finished)
            .cast_signed();
        text::sample(out, name, &[custom, &self.labels], running);
    }

    /// The duration histogram's samples.
    pub(crate) fn render_duration(&self, out: &mut String, name: &str, custom: &str) {
        self.bounds.render(
            out,
            name,
            [custom, &self.labels],
            &self.shards,
            (BUCKET, SUM_NANOS),
        );
    }

    /// The body sizes of the requests of `routes` (every method of one handler) as a summary's
    /// sum and count; `received` picks the request bodies, otherwise the responses.
    pub(crate) fn render_size(
        out: &mut String,
        name: &str,
        custom: &str,
        routes: &[&HttpSeries],
        received: bool,
    ) {
        let Some(first) = routes.first() else {
            return;
        };
        let cell = if received { RECEIVED } else { SENT };
        let (mut bytes, mut count) = (0_u64, 0_u64);
        for route in routes {
            count = count.wrapping_add(route.finished());
            bytes = bytes.wrapping_add(route.shards.sum(cell));
        }
        let labels = [custom, first.handler_label.as_str()];
        text::sample(out, &format!("{name}_sum"), &labels, bytes);
        text::sample(out, &format!("{name}_count"), &labels, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_with_a_slot_are_distinct() {
        let mut sorted = STATUSES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), STATUSES.len());
        for (code, label) in CODES.iter().zip(&STATUSES[CLASSES..]) {
            assert_eq!(code.to_string(), *label);
        }
        let finished = |status, grouped| HttpFinished {
            status,
            grouped,
            nanos: 0,
            sent: 0,
        };
        assert_eq!(
            finished(404, false).slot().map(|slot| STATUSES[slot]),
            Some("404")
        );
        assert_eq!(
            finished(404, true).slot().map(|slot| STATUSES[slot]),
            Some("4xx")
        );
        assert_eq!(finished(418, false).slot(), None);
        assert_eq!(finished(418, false).label(), "418");
        assert_eq!(finished(418, true).label(), "4xx");
        assert_eq!(CELLS, 52);
    }
}

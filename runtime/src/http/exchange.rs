//! One request being measured, from the service call until its response body is sent or
//! dropped: however it ends, it is counted once and leaves the in-progress gauge.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use metrics::Gauge;

use super::families::{Finished, HttpFamilies};
use crate::model::TraceContext;

pub(super) struct Exchange {
    families: Arc<HttpFamilies>,
    group_status: bool,
    handler: String,
    method: &'static str,
    start: Instant,
    /// Bytes of the request body the service read, counted by its `CountedBody`.
    received: Arc<AtomicU64>,
    in_progress: Gauge,
    status: Option<http::StatusCode>,
    /// The service returned an error instead of a response: the server answers 500.
    failed: bool,
    sent: u64,
    /// The request's trace (its `traceparent`), for an exemplar; only while exemplars are on.
    trace: Option<TraceContext>,
}

impl Exchange {
    pub(super) fn start(
        families: Arc<HttpFamilies>,
        group_status: bool,
        handler: String,
        method: &'static str,
        received: Arc<AtomicU64>,
        trace: Option<TraceContext>,
    ) -> Self {
        let in_progress = families.in_progress(&handler, method);
        in_progress.increment(1.0);
        Exchange {
            families,
            group_status,
            handler,
            method,
            start: Instant::now(),
            received,
            in_progress,
            status: None,
            failed: false,
            sent: 0,
            trace,
        }
    }

    /// The service answered with this status.
    pub(super) fn responded(&mut self, status: http::StatusCode) {
        self.status = Some(status);
    }

    /// The service returned an error instead of a response.
    pub(super) fn failed(&mut self) {
        self.failed = true;
    }

    /// Bytes of the response body were sent.
    pub(super) fn sent(&mut self, bytes: u64) {
        self.sent += bytes;
    }

    fn status(&self) -> String {
        let code = match self.status {
            Some(status) => status.as_u16(),
            None if self.failed => 500,
            // Dropped before a response: the client went away (nginx's 499).
            None => 499,
        };
        if self.group_status {
            format!("{}xx", code / 100)
        } else {
            code.to_string()
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        let finished = Finished {
            handler: &self.handler,
            method: self.method,
            status: self.status(),
            duration: self.start.elapsed(),
            received: self.received.load(Ordering::Relaxed),
            sent: self.sent,
        };
        if let Some(trace) = self.trace {
            self.families.offer_exemplar(&finished, trace);
        }
        self.families.record(finished);
        self.in_progress.decrement(1.0);
    }
}

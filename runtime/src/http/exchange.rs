//! One request being measured, from the service call until its response body is sent or
//! dropped: however it ends, it is counted once and leaves the in-progress gauge.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use metrics::Gauge;

use super::families::{Finished, HttpFamilies};
use crate::clock::Instant;
use crate::exposition::{HttpFinished, HttpSeries};
use crate::model::TraceContext;

pub(super) struct Exchange {
    sink: Sink,
    group_status: bool,
    start: Instant,
    status: Option<http::StatusCode>,
    /// The service returned an error instead of a response: the server answers 500.
    failed: bool,
    sent: u64,
    /// The request's trace (its `traceparent`), for an exemplar; only while exemplars are on.
    trace: Option<Traced>,
}

/// A traced request's context and the family names its exemplars are offered under.
pub(super) struct Traced {
    pub(super) context: TraceContext,
    pub(super) families: Arc<HttpFamilies>,
}

/// Where the request is recorded.
pub(super) enum Sink {
    /// The installed exporter's series of the route, resolved when the route was first seen.
    Own(&'static HttpSeries),
    /// Any other recorder, through the `metrics` facade, looked up per request.
    Facade {
        families: Arc<HttpFamilies>,
        handler: String,
        method: &'static str,
        /// Bytes of the request body the service read, counted by its `CountedBody`.
        received: Arc<AtomicU64>,
        in_progress: Gauge,
    },
}

impl Sink {
    /// The sink of a request recorded through the `metrics` facade.
    pub(super) fn facade(
        families: Arc<HttpFamilies>,
        handler: String,
        method: &'static str,
        received: Arc<AtomicU64>,
    ) -> Sink {
        let in_progress = families.in_progress(&handler, method);
        Sink::Facade {
            families,
            handler,
            method,
            received,
            in_progress,
        }
    }

    /// The route template and method the request is recorded under.
    fn route(&self) -> (&str, &'static str) {
        match self {
            Sink::Own(series) => (series.handler(), series.method()),
            Sink::Facade {
                handler, method, ..
            } => (handler, method),
        }
    }
}

impl Exchange {
    pub(super) fn start(sink: Sink, group_status: bool, trace: Option<Traced>) -> Self {
        match &sink {
            Sink::Own(series) => series.start(),
            Sink::Facade { in_progress, .. } => in_progress.increment(1.0),
        }
        Exchange {
            sink,
            group_status,
            start: Instant::now(),
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

    fn code(&self) -> u16 {
        match self.status {
            Some(status) => status.as_u16(),
            None if self.failed => 500,
            // Dropped before a response: the client went away (nginx's 499).
            None => 499,
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        let finished = HttpFinished {
            status: self.code(),
            grouped: self.group_status,
            nanos: self.start.elapsed_nanos(),
            sent: self.sent,
        };
        if let Some(traced) = &self.trace {
            let (handler, method) = self.sink.route();
            let status = finished.label();
            traced.families.offer_exemplar(
                handler,
                method,
                &status,
                finished.duration(),
                traced.context,
            );
        }
        match &self.sink {
            Sink::Own(series) => series.finish(&finished),
            Sink::Facade {
                families,
                handler,
                method,
                received,
                in_progress,
            } => {
                families.record(Finished {
                    handler,
                    method,
                    status: finished.label(),
                    duration: finished.duration(),
                    received: received.load(Ordering::Relaxed),
                    sent: finished.sent,
                });
                in_progress.decrement(1.0);
            }
        }
    }
}

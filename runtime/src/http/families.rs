//! The HTTP layer's families through the `metrics` facade, for any recorder but the installed
//! exporter (whose own series are in [`crate::exposition`]): their names with the installed
//! prefix, their descriptions, and how one request is recorded into them.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::{Gauge, Key, Label, Level, Metadata, Recorder, SharedString, Unit};

use crate::exposition::exemplar;
use crate::exposition::{
    HTTP_DURATION_HELP, HTTP_IN_PROGRESS_HELP, HTTP_REQUEST_SIZE_HELP, HTTP_REQUESTS_HELP,
    HTTP_RESPONSE_SIZE_HELP,
};
use crate::model::TraceContext;
use crate::model::names::http;
use crate::record::settings;

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The names of the five HTTP families, prefixed.
pub(super) struct HttpFamilies {
    requests: String,
    duration: String,
    request_size: String,
    response_size: String,
    in_progress: String,
}

/// One finished request, as it is recorded.
pub(super) struct Finished<'a> {
    pub(super) handler: &'a str,
    pub(super) method: &'static str,
    pub(super) status: String,
    pub(super) duration: Duration,
    pub(super) received: u64,
    pub(super) sent: u64,
}

impl HttpFamilies {
    /// The names, kept in `cell` once `install()` has fixed the prefix and the recorder; before
    /// that (or with a foreign recorder and no `install()`) made again per request, so a later
    /// `install()` is not stuck with names and HELP text from before it.
    pub(super) fn cached(cell: &OnceLock<Arc<HttpFamilies>>) -> Arc<HttpFamilies> {
        if let Some(families) = cell.get() {
            return Arc::clone(families);
        }
        let prefix = settings::prefix();
        let families = Arc::new(HttpFamilies {
            requests: format!("{prefix}{}", http::REQUESTS),
            duration: format!("{prefix}{}", http::DURATION),
            request_size: format!("{prefix}{}", http::REQUEST_SIZE),
            response_size: format!("{prefix}{}", http::RESPONSE_SIZE),
            in_progress: format!("{prefix}{}", http::IN_PROGRESS),
        });
        metrics::with_recorder(|recorder| families.describe(recorder));
        if settings::installed() {
            let _ = cell.set(Arc::clone(&families));
        }
        families
    }

    /// The in-progress gauge of a route and method.
    pub(super) fn in_progress(&self, handler: &str, method: &'static str) -> Gauge {
        let labels = vec![
            Label::new(http::HANDLER, handler.to_owned()),
            Label::from_static_parts(http::METHOD, method),
        ];
        let key = Key::from_parts(self.in_progress.clone(), labels);
        metrics::with_recorder(|recorder| recorder.register_gauge(&key, &METADATA))
    }

    /// Counts a finished request, its duration and its body sizes.
    pub(super) fn record(&self, finished: Finished<'_>) {
        let Finished {
            handler,
            method,
            status,
            duration,
            received,
            sent,
        } = finished;
        metrics::with_recorder(|recorder| {
            let key = |name: &str, labels: Vec<Label>| Key::from_parts(name.to_owned(), labels);
            let handler = || Label::new(http::HANDLER, handler.to_owned());
            let method = Label::from_static_parts(http::METHOD, method);
            let requests = key(
                &self.requests,
                vec![handler(), method.clone(), Label::new(http::STATUS, status)],
            );
            recorder.register_counter(&requests, &METADATA).increment(1);
            recorder
                .register_histogram(&key(&self.duration, vec![handler(), method]), &METADATA)
                .record(duration.as_secs_f64());
            recorder
                .register_histogram(&key(&self.request_size, vec![handler()]), &METADATA)
                .record(received as f64);
            recorder
                .register_histogram(&key(&self.response_size, vec![handler()]), &METADATA)
                .record(sent as f64);
        });
    }

    /// Offers a traced request as the exemplar of its duration's bucket and of its count.
    pub(super) fn offer_exemplar(
        &self,
        handler: &str,
        method: &str,
        status: &str,
        duration: Duration,
        trace: TraceContext,
    ) {
        let bucket = format!("{}_bucket", self.duration);
        let labels = [(http::HANDLER, handler), (http::METHOD, method)];
        if let Some(exemplars) = exemplar::register(&bucket, &labels, http::BUCKETS) {
            exemplars.offer_traced(duration.as_secs_f64(), trace);
        }
        let labels = [
            (http::HANDLER, handler),
            (http::METHOD, method),
            (http::STATUS, status),
        ];
        if let Some(exemplars) = exemplar::register(&self.requests, &labels, &[]) {
            exemplars.offer_traced(1.0, trace);
        }
    }

    fn describe(&self, recorder: &dyn Recorder) {
        let help = SharedString::const_str;
        recorder.describe_counter(self.requests.clone().into(), None, help(HTTP_REQUESTS_HELP));
        recorder.describe_histogram(
            self.duration.clone().into(),
            Some(Unit::Seconds),
            help(HTTP_DURATION_HELP),
        );
        recorder.describe_histogram(
            self.request_size.clone().into(),
            Some(Unit::Bytes),
            help(HTTP_REQUEST_SIZE_HELP),
        );
        recorder.describe_histogram(
            self.response_size.clone().into(),
            Some(Unit::Bytes),
            help(HTTP_RESPONSE_SIZE_HELP),
        );
        recorder.describe_gauge(
            self.in_progress.clone().into(),
            None,
            help(HTTP_IN_PROGRESS_HELP),
        );
    }
}

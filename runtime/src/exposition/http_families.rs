//! The HTTP layer's five families, as this crate renders them from [`HttpSeries`]: their names
//! with the installed prefix, their HELP text, and the order of their samples.

use super::http_series::HttpSeries;
use super::text::{self, Kind};
use crate::model::names::http;

/// HELP of `http_requests_total`.
pub(crate) const REQUESTS_HELP: &str = "HTTP requests, by route template, method and status.";
/// HELP of `http_request_duration_seconds`.
pub(crate) const DURATION_HELP: &str =
    "HTTP request duration until the response body was sent, in seconds.";
/// HELP of `http_request_size_bytes`.
pub(crate) const REQUEST_SIZE_HELP: &str = "HTTP request body size, in bytes.";
/// HELP of `http_response_size_bytes`.
pub(crate) const RESPONSE_SIZE_HELP: &str = "HTTP response body size, in bytes.";
/// HELP of `http_requests_in_progress`.
pub(crate) const IN_PROGRESS_HELP: &str = "HTTP requests being served.";

/// The names of the five families, prefixed.
pub(crate) struct HttpNames {
    requests: String,
    duration: String,
    request_size: String,
    response_size: String,
    in_progress: String,
}

impl HttpNames {
    pub(crate) fn new(prefix: &str) -> HttpNames {
        HttpNames {
            requests: format!("{prefix}{}", http::REQUESTS),
            duration: format!("{prefix}{}", http::DURATION),
            request_size: format!("{prefix}{}", http::REQUEST_SIZE),
            response_size: format!("{prefix}{}", http::RESPONSE_SIZE),
            in_progress: format!("{prefix}{}", http::IN_PROGRESS),
        }
    }

    /// The five families of `series` (in the order the routes were first requested); nothing
    /// without a request yet.
    pub(crate) fn render(&self, out: &mut String, custom: &str, series: &[&HttpSeries]) {
        if series.is_empty() {
            return;
        }
        text::header(out, &self.requests, REQUESTS_HELP, Kind::Counter);
        for route in series {
            route.render_requests(out, &self.requests, custom);
        }
        text::header(out, &self.duration, DURATION_HELP, Kind::Histogram);
        for route in series {
            route.render_duration(out, &self.duration, custom);
        }
        // The sizes are by handler alone: every method of a handler in one sample.
        let mut handlers: Vec<&str> = Vec::new();
        for route in series {
            if !handlers.contains(&route.handler()) {
                handlers.push(route.handler());
            }
        }
        let by_handler = |handler: &str| -> Vec<&HttpSeries> {
            series
                .iter()
                .copied()
                .filter(|route| route.handler() == handler)
                .collect()
        };
        for (name, help, received) in [
            (&self.request_size, REQUEST_SIZE_HELP, true),
            (&self.response_size, RESPONSE_SIZE_HELP, false),
        ] {
            text::header(out, name, help, Kind::Summary);
            for handler in &handlers {
                HttpSeries::render_size(out, name, custom, &by_handler(handler), received);
            }
        }
        text::header(out, &self.in_progress, IN_PROGRESS_HELP, Kind::Gauge);
        for route in series {
            route.render_in_progress(out, &self.in_progress, custom);
        }
    }
}

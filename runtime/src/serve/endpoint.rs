//! What `/metrics` answers, independent of the HTTP server carrying it: the crate's own listener
//! and the embedding in a service's router use the same rules.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use metrics_exporter_prometheus::PrometheusHandle;

use super::accept::wants_openmetrics;
use crate::exposition::{self, exemplar, openmetrics, text};

pub(crate) struct Endpoint {
    handle: PrometheusHandle,
    auth_token: Option<String>,
}

/// The parts of a request the endpoint looks at.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) accept_encoding: Option<&'a str>,
    pub(crate) accept: Option<&'a str>,
}

pub(crate) struct Reply {
    status: u16,
    /// Names are lowercase, as HTTP/2 requires and `http::HeaderName::from_static` expects.
    headers: Vec<(&'static str, String)>,
    /// Sent for every method but `HEAD`, whose `Content-Length` still describes it.
    body: Vec<u8>,
}

impl Reply {
    /// Status, headers and body, for a server that takes them apart.
    pub(crate) fn into_parts(self) -> (u16, Vec<(&'static str, String)>, Vec<u8>) {
        (self.status, self.headers, self.body)
    }
}

impl Endpoint {
    pub(crate) fn new(handle: PrometheusHandle, auth_token: Option<&str>) -> Self {
        Endpoint {
            handle,
            auth_token: auth_token.map(str::to_owned),
        }
    }

    /// The exposition: this crate's own families, then what the `metrics` exporter renders.
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        if let Some(registry) = exposition::registry() {
            registry.render(&mut text);
        }
        text.push_str(&self.handle.render());
        text
    }

    /// [`Endpoint::render`] in the OpenMetrics format, with exemplars where they are kept.
    pub(crate) fn render_openmetrics(&self) -> String {
        let exemplars = exemplar::enabled().then_some(&exemplar::render as openmetrics::ExemplarOf);
        openmetrics::translate(&self.render(), exemplars)
    }

    pub(crate) fn handle(&self) -> &PrometheusHandle {
        &self.handle
    }

    pub(crate) fn reply(&self, request: &Request<'_>) -> Reply {
        let readable = matches!(request.method, "GET" | "HEAD");
        match request.path {
            "/metrics" if !readable => method_not_allowed(),
            "/metrics" if !self.authorized(request.authorization) => Reply {
                status: 401,
                headers: vec![
                    ("content-type", "text/plain".into()),
                    ("www-authenticate", "Bearer realm=\"metrics\"".into()),
                ],
                body: b"a bearer token is required\n".to_vec(),
            },
            "/metrics" => self.metrics(request.accept, request.accept_encoding),
            "/health" if !readable => method_not_allowed(),
            "/health" => text(200, "ok\n"),
            _ => text(404, "not found; metrics are at /metrics\n"),
        }
    }

    fn metrics(&self, accept: Option<&str>, accept_encoding: Option<&str>) -> Reply {
        let (body, content_type) = if wants_openmetrics(accept) {
            (self.render_openmetrics(), openmetrics::CONTENT_TYPE)
        } else {
            (self.render(), text::CONTENT_TYPE)
        };
        let body = body.into_bytes();
        let mut headers = vec![
            ("content-type", content_type.into()),
            ("vary", "Accept, Accept-Encoding".into()),
        ];
        if accepts_gzip(accept_encoding)
            && let Some(compressed) = gzip(&body)
        {
            headers.push(("content-encoding", "gzip".into()));
            return Reply {
                status: 200,
                headers,
                body: compressed,
            };
        }
        Reply {
            status: 200,
            headers,
            body,
        }
    }

    fn authorized(&self, authorization: Option<&str>) -> bool {
        let Some(expected) = &self.auth_token else {
            return true;
        };
        let presented = authorization
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, token)| token.trim());
        constant_time_eq(presented.as_bytes(), expected.as_bytes())
    }
}

fn text(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "text/plain".into())],
        body: body.as_bytes().to_vec(),
    }
}

fn method_not_allowed() -> Reply {
    let mut reply = text(405, "method not allowed; use GET or HEAD\n");
    reply.headers.push(("allow", "GET, HEAD".into()));
    reply
}

/// Whether `Accept-Encoding` accepts gzip: its own entry decides when there is one, else `*`'s;
/// a quality of zero (`q=0`, `Q=0.000`) refuses.
fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(header) = accept_encoding else {
        return false;
    };
    let quality_of = |wanted: &str| {
        header.split(',').find_map(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            name.eq_ignore_ascii_case(wanted).then(|| {
                parts
                    .filter_map(|parameter| parameter.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
                    .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0))
            })
        })
    };
    quality_of("gzip")
        .or_else(|| quality_of("*"))
        .is_some_and(|quality| quality > 0.0)
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// Compares in time that depends only on the lengths, so a token cannot be guessed byte by byte
/// from response times.
fn constant_time_eq(presented: &[u8], expected: &[u8]) -> bool {
    let mut difference = presented.len() ^ expected.len();
    for (index, byte) in expected.iter().enumerate() {
        difference |= usize::from(presented.get(index).copied().unwrap_or(!byte) ^ byte);
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("*, gzip;q=0")));
        assert!(!accepts_gzip(Some("GZIP;Q=0")));
        assert!(!accepts_gzip(Some("gzip; q=0.000")));
        assert!(!accepts_gzip(Some("*;q=0")));
        assert!(accepts_gzip(Some("br;q=1, *;q=0.1")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secreT", b"secret"));
        assert!(!constant_time_eq(b"secre", b"secret"));
        assert!(!constant_time_eq(b"secret!", b"secret"));
        assert!(!constant_time_eq(b"", b"secret"));
    }
}

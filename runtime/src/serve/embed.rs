//! `/metrics` on the service's own port, for services that must not open a second one: an axum
//! router with the same rules as the listener (GET/HEAD only, bearer token, gzip).

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::any;

use super::endpoint::{Endpoint, Reply, Request as EndpointRequest};
use super::exporter::Exporter;

impl Exporter {
    /// A router that serves `/metrics`; merge it into the service's router. Pair it with
    /// [`Builder::without_listener`](crate::Builder::without_listener) so no second port is
    /// opened. Answers 404 when metrics are disabled.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let exporter = instrument_metrics::Builder::from_env()?.without_listener().install()?;
    /// let app = axum::Router::new()
    ///     .route("/", axum::routing::get(|| async { "hello" }))
    ///     .merge(exporter.router());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// axum::serve(listener, app).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let endpoint = self.endpoint();
        Router::new().route(
            "/metrics",
            any(move |request: Request| {
                let endpoint = endpoint.clone();
                async move { serve(endpoint.as_deref(), &request) }
            }),
        )
    }
}

fn serve(endpoint: Option<&Endpoint>, request: &Request) -> Response {
    let Some(endpoint) = endpoint else {
        return status_only(StatusCode::NOT_FOUND);
    };
    let headers = request.headers();
    let text = |name: HeaderName| headers.get(name).and_then(|value| value.to_str().ok());
    let reply = endpoint.reply(&EndpointRequest {
        method: request.method().as_str(),
        path: "/metrics",
        authorization: text(header::AUTHORIZATION),
        accept_encoding: text(header::ACCEPT_ENCODING),
        accept: text(header::ACCEPT),
    });
    into_response(reply)
}

fn into_response(reply: Reply) -> Response {
    let (status, reply_headers, body) = reply.into_parts();
    let mut headers = HeaderMap::new();
    for (name, value) in reply_headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *response.headers_mut() = headers;
    response
}

fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

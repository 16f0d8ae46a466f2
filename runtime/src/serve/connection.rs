//! One connection of the listener: hyper's HTTP/1.1 (keep-alive, one deadline for the whole
//! request head) over plain TCP or TLS, answering with [`Endpoint::reply`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::connections::Tracked;
use super::endpoint::{Endpoint, Reply, Request};
use super::until::until;

/// The time a client has to send a whole request head, counted from when the server starts
/// waiting for it (after connecting, or after the previous response on a kept-alive
/// connection). A scraper sends its head at once; a connection that trickles or idles is closed.
pub(crate) const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// Heads above this are answered 431. hyper's smallest buffer is 8 KiB.
const MAX_HEAD: usize = 16 * 1024;

/// After an error answer (400, 431) the client may still be sending; closing with unread data
/// would reset the connection and lose the answer, so what arrives is read and dropped, up to
/// this much and this long.
const LINGER_BYTES: usize = 256 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(2);

/// Plain TCP, or TLS (feature `tls`).
#[derive(Clone)]
pub(crate) enum Transport {
    Plain,
    #[cfg(feature = "tls")]
    Tls(tokio_rustls::TlsAcceptor),
}

/// Serves `stream` until the client closes it, its head deadline passes, or it is evicted.
pub(crate) async fn serve(
    mut stream: TcpStream,
    endpoint: Arc<Endpoint>,
    transport: Transport,
    tracked: Tracked,
) {
    let exchange = async {
        match transport {
            Transport::Plain => http(&mut stream, &endpoint, &tracked).await,
            #[cfg(feature = "tls")]
            Transport::Tls(acceptor) => {
                let handshake = tokio::time::timeout(HEAD_DEADLINE, acceptor.accept(&mut stream));
                if let Ok(Ok(mut tls)) = handshake.await {
                    http(&mut tls, &endpoint, &tracked).await;
                    let _ = tokio::time::timeout(LINGER_TIME, tls.shutdown()).await;
                }
            }
        }
        linger(&mut stream).await;
    };
    until(exchange, tracked.evicted()).await;
}

async fn http<I>(io: I, endpoint: &Endpoint, tracked: &Tracked)
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    let service = service_fn(|request: hyper::Request<Incoming>| {
        let response = respond(endpoint, &request);
        tracked.served();
        std::future::ready(Ok::<_, Infallible>(response))
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_DEADLINE)
        .max_buf_size(MAX_HEAD)
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service)
        .await;
}

fn respond(
    endpoint: &Endpoint,
    request: &hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let reply = endpoint.reply(&Request {
        method: request.method().as_str(),
        path: request.uri().path(),
        authorization: header(hyper::header::AUTHORIZATION),
        accept_encoding: header(hyper::header::ACCEPT_ENCODING),
        accept: header(hyper::header::ACCEPT),
    });
    into_response(reply)
}

fn into_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let (status, headers, body) = reply.into_parts();
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(hyper::header::HeaderName::from_static(name), value);
        }
    }
    response
}

/// Ends the connection without a reset: a FIN, then whatever the client still sends is read
/// and dropped until it closes too, within bounds.
async fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut buffer = [0_u8; 4096];
        let mut drained = 0;
        while drained < LINGER_BYTES {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => drained += read,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}

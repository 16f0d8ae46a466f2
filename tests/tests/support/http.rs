//! A minimal HTTP/1.1 client over `std::net::TcpStream` for loopback tests: any method, any
//! request headers, an optional body, bounded timeouts, one request per connection. The response
//! body is kept as bytes so a gzip answer can be checked before it is decompressed.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The `Accept` header of Prometheus 2.x scrapes: OpenMetrics 1.0 first.
pub const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// A response, with header names lowercased.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<String, String> {
        String::from_utf8(self.body.clone()).map_err(|_| format!("body is not UTF-8: {self:?}"))
    }
}

/// Shows the body as text (lossily), which is what a failure message needs to be readable.
impl fmt::Debug for Response {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// `method target` against `addr` with extra request `headers` and no body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Result<Response, String> {
    send(addr, method, target, headers, b"")
}

/// `GET target` with no extra headers.
pub fn get(addr: SocketAddr, target: &str) -> Result<Response, String> {
    request(addr, "GET", target, &[])
}

/// `GET target`, which must answer 200.
pub fn get_ok(addr: SocketAddr, target: &str) -> Result<Response, String> {
    match get(addr, target)? {
        response if response.status == 200 => Ok(response),
        response => Err(format!("{target} answered {}", response.status)),
    }
}

/// `POST target` with `body`; returns the status.
pub fn post(addr: SocketAddr, target: &str, body: &[u8]) -> Result<u16, String> {
    let headers = [("Content-Type", "application/octet-stream")];
    send(addr, "POST", target, &headers, body).map(|response| response.status)
}

/// `GET /metrics`, asserting it succeeds; returns the exposition.
pub fn scrape(addr: SocketAddr) -> String {
    let response = get(addr, "/metrics").unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(response.status, 200, "GET /metrics: {response:?}");
    response.text().unwrap_or_else(|error| panic!("{error}"))
}

/// Percent-encodes a query parameter value.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Decompresses a gzip body.
pub fn gunzip(body: &[u8]) -> Result<String, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(body)
        .read_to_string(&mut text)
        .map_err(|error| format!("not valid gzip of UTF-8 text: {error}"))?;
    Ok(text)
}

fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, String> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|error| format!("connect {addr}: {error}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|error| error.to_string())?;
    stream
        .set_write_timeout(Some(TIMEOUT))
        .map_err(|error| error.to_string())?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" && method != "HEAD" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|error| format!("send to {addr}: {error}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|error| format!("read from {addr}: {error}"))?;
    parse(&raw, method == "HEAD")
        .map_err(|error| format!("{method} http://{addr}{target}: {error}"))
}

/// Reads a whole response off the wire: head, then the body by its length or chunks.
pub fn parse(raw: &[u8], head_only: bool) -> Result<Response, String> {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or("no end of the response head")?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| "response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked"));
    if head_only {
        if !body.is_empty() {
            return Err(format!("a HEAD response has a {}-byte body", body.len()));
        }
    } else if chunked {
        body = dechunk(&body)?;
    } else if let Some((_, length)) = headers.iter().find(|(name, _)| name == "content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("bad Content-Length {length:?}"))?;
        if body.len() != length {
            return Err(format!(
                "Content-Length is {length} but the body has {} bytes",
                body.len()
            ));
        }
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut chunked: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = chunked
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or("unterminated chunk size")?;
        let size_text =
            std::str::from_utf8(&chunked[..line_end]).map_err(|_| "chunk size is not UTF-8")?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        chunked = &chunked[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if chunked.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        body.extend_from_slice(&chunked[..size]);
        chunked = &chunked[size + 2..];
    }
}

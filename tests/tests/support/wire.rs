//! Raw HTTP/1.1 on a socket, for what a well-formed client cannot send: malformed heads, bare
//! `\n` line ends, oversized heads, trickled bytes, several requests on one connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::http::Response;

const TIMEOUT: Duration = Duration::from_secs(5);

/// Connects with bounded read and write timeouts.
pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, String> {
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|error| format!("connect {addr}: {error}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .and_then(|()| stream.set_nodelay(true))
        .map_err(|error| error.to_string())?;
    Ok(stream)
}

/// Sends `bytes` as they are and reads until the server closes the connection (at most five
/// seconds); returns everything it sent.
pub fn exchange(addr: SocketAddr, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = connect(addr, TIMEOUT)?;
    stream
        .write_all(bytes)
        .map_err(|error| format!("send to {addr}: {error}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|error| format!("read from {addr} (got {answer:?} so far): {error}"))?;
    Ok(answer)
}

/// One connection kept alive over several requests.
pub struct KeptAlive {
    reader: BufReader<TcpStream>,
}

impl KeptAlive {
    pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<KeptAlive, String> {
        Ok(KeptAlive {
            reader: BufReader::new(connect(addr, timeout)?),
        })
    }

    /// Sends `GET target` with `headers` and reads the response (which must have a
    /// `Content-Length`, as every answer of the listener does).
    pub fn get(&mut self, target: &str, headers: &[(&str, &str)]) -> Result<Response, String> {
        let mut head = format!("GET {target} HTTP/1.1\r\nHost: test\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.reader
            .get_mut()
            .write_all(head.as_bytes())
            .map_err(|error| format!("send GET {target}: {error}"))?;
        let status_line = self.line()?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut headers = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("bad header line {line:?}"))?;
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse().ok())
            .ok_or_else(|| format!("no Content-Length in {headers:?}"))?;
        let mut body = vec![0; length];
        self.reader
            .read_exact(&mut body)
            .map_err(|error| format!("read a {length}-byte body: {error}"))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Err("the server closed the connection".to_owned()),
            Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
            Err(error) => Err(format!("read a response line: {error}")),
        }
    }
}

/// The status code of a raw response.
pub fn status_of(answer: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

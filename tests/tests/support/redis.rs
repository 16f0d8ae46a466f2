//! A real Redis (Debian's `redis-server`): started on a free loopback port with no persistence,
//! stopped when the test ends, and spoken to with a minimal RESP client over a `TcpStream`, so
//! the tests do not depend on the worker's own Redis code.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::process::{ChildGuard, serve_on_free_port};

const STARTUP_LIMIT: Duration = Duration::from_secs(20);
const POLL_INTERVAL: Duration = Duration::from_millis(50);
const TIMEOUT: Duration = Duration::from_secs(5);

/// A Redis reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Integer(i64),
    Bulk(Option<String>),
    Array(Vec<Reply>),
}

/// Starts `binary` on a free loopback port, its working directory in `dir`, and waits until it
/// answers `PING`.
pub fn start(binary: &Path, dir: &Path) -> (SocketAddr, ChildGuard) {
    serve_on_free_port(
        dir,
        "redis-server",
        "redis-server",
        STARTUP_LIMIT,
        POLL_INTERVAL,
        |addr, _| {
            let mut command = Command::new(binary);
            command
                .args(["--bind", "127.0.0.1", "--port", &addr.port().to_string()])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir)
                .current_dir(dir);
            command
        },
        |addr| match command(addr, &["PING"])? {
            Reply::Status(pong) if pong == "PONG" => Ok(()),
            other => Err(format!("PING answered {other:?}")),
        },
    )
}

/// Sends one command on a new connection and reads its reply; a Redis error is an `Err`.
pub fn command(addr: SocketAddr, args: &[&str]) -> Result<Reply, String> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|error| format!("connect {addr}: {error}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|error| error.to_string())?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    (&stream)
        .write_all(request.as_bytes())
        .map_err(|error| format!("{args:?}: {error}"))?;
    read_reply(&mut BufReader::new(stream)).map_err(|error| format!("{args:?}: {error}"))
}

/// `LLEN key`.
pub fn length(addr: SocketAddr, key: &str) -> Result<i64, String> {
    match command(addr, &["LLEN", key])? {
        Reply::Integer(length) => Ok(length),
        other => Err(format!("LLEN {key} answered {other:?}")),
    }
}

fn read_reply(reader: &mut impl BufRead) -> Result<Reply, String> {
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|error| error.to_string())?;
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at_checked(1).ok_or("an empty reply")?;
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| format!("bad reply {line:?}"))
    };
    match kind {
        "+" => Ok(Reply::Status(rest.to_owned())),
        "-" => Err(format!("redis error: {rest}")),
        ":" => Ok(Reply::Integer(number()?)),
        "$" => match number()? {
            -1 => Ok(Reply::Bulk(None)),
            length => {
                let mut body = vec![0; usize::try_from(length).unwrap_or(0) + 2];
                reader
                    .read_exact(&mut body)
                    .map_err(|error| error.to_string())?;
                body.truncate(body.len() - 2);
                String::from_utf8(body)
                    .map(|text| Reply::Bulk(Some(text)))
                    .map_err(|_| "a bulk reply that is not UTF-8".to_owned())
            }
        },
        "*" => (0..number()?.max(0))
            .map(|_| read_reply(reader))
            .collect::<Result<_, _>>()
            .map(Reply::Array),
        _ => Err(format!("unknown reply {line:?}")),
    }
}

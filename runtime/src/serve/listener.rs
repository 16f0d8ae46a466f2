//! The `/metrics` listener: a small HTTP/1.1 server on its own threads, so it works with or
//! without an async runtime and never shares a scheduler with the instrumented code.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::endpoint::{Endpoint, Reply, Request};

/// Scrapes are rare and cheap; this bounds the threads a flood of connections can start.
const MAX_CONNECTIONS: usize = 32;
const MAX_HEAD: usize = 8 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Listener {
    /// Serves on an already bound socket: binding happens first, so a busy port fails before
    /// anything else is set up.
    pub(crate) fn spawn(socket: TcpListener, endpoint: Arc<Endpoint>) -> io::Result<Listener> {
        let addr = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("instrument-metrics-http".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || accept_loop(&socket, &endpoint, &stop)
            })?;
        Ok(Listener { addr, stop, thread })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes the socket; returns once the thread has ended.
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        // A blocking accept() only returns for a connection: make one.
        let _ = TcpStream::connect_timeout(&wake_address(self.addr), Duration::from_secs(1));
        let _ = self.thread.join();
    }
}

fn wake_address(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

fn accept_loop(socket: &TcpListener, endpoint: &Arc<Endpoint>, stop: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in socket.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let busy = Reply::bare(503, b"busy\n");
            let _ = write_reply(&mut stream, &busy, false);
            continue;
        }
        let endpoint = Arc::clone(endpoint);
        let active_here = Arc::clone(&active);
        let spawned = std::thread::Builder::new()
            .name("instrument-metrics-scrape".into())
            .spawn(move || {
                let _ = serve(stream, &endpoint);
                active_here.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn serve(mut stream: TcpStream, endpoint: &Endpoint) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let Some(head) = read_head(&mut stream)? else {
        let too_large = Reply::bare(431, b"");
        return write_reply(&mut stream, &too_large, false);
    };
    let mut lines = head.split("\r\n");
    let mut words = lines.next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let header = |wanted: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case(wanted)
                .then(|| value.trim())
        })
    };
    let request = Request {
        method,
        path: target.split(['?', '#']).next().unwrap_or_default(),
        authorization: header("authorization"),
        accept_encoding: header("accept-encoding"),
        accept: header("accept"),
    };
    let reply = endpoint.reply(&request);
    write_reply(&mut stream, &reply, method == "HEAD")?;
    stream.shutdown(Shutdown::Write)
}

/// Reads up to the blank line that ends the request head; `None` when it is too large.
fn read_head(stream: &mut TcpStream) -> io::Result<Option<String>> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0_u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    Ok(Some(String::from_utf8_lossy(&head).into_owned()))
}

fn write_reply(stream: &mut TcpStream, reply: &Reply, head_only: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status(), reason(reply.status()));
    for (name, value) in reply.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body().len()
    ));
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(reply.body())?;
    }
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

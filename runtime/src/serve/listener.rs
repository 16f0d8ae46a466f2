//! The `/metrics` listener: hyper's HTTP/1.1 server on a thread of its own with a private
//! current-thread Tokio runtime, so it works with or without the application's runtime and never
//! shares a scheduler with the instrumented code.
//!
//! One thread serves every connection as a task; [`Connections`] bounds how many exist and, at
//! the bound, closes the connection least likely to be a scraper to make room for the new one.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::connection::{self, Transport};
use super::connections::Connections;
use super::endpoint::Endpoint;
use super::until::until;

/// Scrapes are rare and cheap; a scraper needs one connection. The bound keeps a flood of
/// connections from using memory and file descriptors without limit; at the bound the oldest
/// connection that has not finished a request yet (then the oldest idle one) makes room.
const MAX_CONNECTIONS: usize = 256;

/// Connections the kernel completes before the listener accepts them. A burst beyond it has its
/// handshakes dropped and retried a second later, so it is deep enough for a flood (Linux caps
/// it at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// Why `accept` may fail for a moment (no file descriptors left): wait rather than spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Binds `addr` for the listener.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<StdListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As std does: a restarted process can bind while old connections are in TIME_WAIT.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

pub(crate) struct Listener {
    addr: SocketAddr,
    /// Sent by [`Listener::start`]; until then connections wait in the socket's backlog.
    start: Option<oneshot::Sender<()>>,
    stop: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl Listener {
    /// Serves on an already bound socket: binding happens first, so a busy port fails before
    /// anything else is set up.
    pub(crate) fn spawn(
        socket: StdListener,
        endpoint: Arc<Endpoint>,
        transport: Transport,
    ) -> io::Result<Listener> {
        let addr = socket.local_addr()?;
        socket.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let (start, started) = oneshot::channel();
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("instrument-metrics-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(socket) = TcpListener::from_std(socket) else {
                        return;
                    };
                    if started.await.is_err() {
                        return;
                    }
                    until(accept_loop(&socket, &endpoint, &transport), stopped).await;
                });
                // Dropping the runtime drops every connection task, closing its socket.
                drop(runtime);
            })?;
        Ok(Listener {
            addr,
            start: Some(start),
            stop,
            thread,
        })
    }

    /// Starts answering, once installation is complete: a scrape never sees a half-installed
    /// exporter.
    pub(crate) fn start(&mut self) {
        if let Some(start) = self.start.take() {
            let _ = start.send(());
        }
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes the socket and every connection; returns once the thread
    /// has ended.
    pub(crate) fn stop(self) {
        drop(self.start);
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

async fn accept_loop(socket: &TcpListener, endpoint: &Arc<Endpoint>, transport: &Transport) {
    let connections = Connections::new(MAX_CONNECTIONS);
    loop {
        let stream = match socket.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let tracked = connections.admit();
        tokio::spawn(connection::serve(
            stream,
            Arc::clone(endpoint),
            transport.clone(),
            tracked,
        ));
        // Lets the new connection read its head, and a connection closed to make room for it
        // drop its socket, before the next accept: the bound holds for sockets, not only tasks.
        tokio::task::yield_now().await;
    }
}

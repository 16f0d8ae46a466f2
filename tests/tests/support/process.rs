//! Child processes that are killed when the test ends, free ports, bounded waiting, servers
//! started on a free port.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A running child process, killed and reaped on drop (also when the test panics). Its stdout
/// and stderr go to files, shown by [`ChildGuard::output`] when an assertion needs them.
pub struct ChildGuard {
    name: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl ChildGuard {
    /// Starts `command` with stdout and stderr written to `<name>.stdout` and `<name>.stderr` in
    /// `dir`.
    pub fn spawn(name: &str, mut command: Command, dir: &Path) -> ChildGuard {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let create = |path: &Path| {
            File::create(path)
                .unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()))
        };
        command
            .stdin(Stdio::null())
            .stdout(create(&stdout))
            .stderr(create(&stderr));
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name} ({command:?}): {error}"));
        ChildGuard {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
        }
    }

    /// The process id, to look at `/proc/<pid>`.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the process has ended.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The process's name, state and output so far, for failure messages.
    pub fn output(&mut self) -> String {
        let state = match self.exited() {
            Some(status) => format!("exited with {status}"),
            None => "still running".to_owned(),
        };
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
        format!(
            "{} ({state})\n--- stdout ---\n{}\n--- stderr (last 4000 bytes) ---\n{}",
            self.name,
            read(&self.stdout),
            tail(&read(&self.stderr), 4000)
        )
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tail(text: &str, bytes: usize) -> &str {
    let mut start = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// A loopback address whose port was free a moment ago. Another process may take it before the
/// caller binds it: callers retry with a new one when their child cannot bind.
pub fn free_loopback_addr() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|error| panic!("cannot bind 127.0.0.1:0: {error}"));
    listener
        .local_addr()
        .unwrap_or_else(|error| panic!("no local address for 127.0.0.1:0: {error}"))
}

/// Calls `probe` every `interval` until it returns `Some`, for at most `limit`. The last `Err`
/// explains a time-out.
pub fn poll<T>(
    limit: Duration,
    interval: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + limit;
    loop {
        match probe() {
            Ok(value) => return Ok(value),
            Err(why) if Instant::now() >= deadline => {
                return Err(format!("gave up after {limit:?}: {why}"));
            }
            Err(_) => thread::sleep(interval),
        }
    }
}

/// The full path of `binary` on `PATH`. Fails the test, never skips it, when it is missing.
pub fn require_on_path(binary: &str, provided_by: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{binary}` is not on PATH. It comes with Debian's `{provided_by}` package: run scripts/test, which \
                 installs it, or `apt-get install {provided_by}`."
            )
        })
}

/// Starts a server on a free loopback port and waits, polling every `interval` for at most
/// `limit`, until `ready` accepts it; returns the address and the running child.
///
/// `command` makes the command for an address and an attempt (1 to 3); the child is called
/// `<name>-<attempt>` in `dir`, and `what` names it in messages. Another process can take the
/// port between our probe and the server's bind, so a start whose process exits is retried on a
/// new port, three attempts in all.
pub fn serve_on_free_port(
    dir: &Path,
    name: &str,
    what: &str,
    limit: Duration,
    interval: Duration,
    mut command: impl FnMut(SocketAddr, u32) -> Command,
    mut ready: impl FnMut(SocketAddr) -> Result<(), String>,
) -> (SocketAddr, ChildGuard) {
    for attempt in 1..=3 {
        let addr = free_loopback_addr();
        let mut process =
            ChildGuard::spawn(&format!("{name}-{attempt}"), command(addr, attempt), dir);
        let started = poll(limit, interval, || match process.exited() {
            Some(status) => Ok(Err(status)),
            None => ready(addr).map(Ok),
        });
        match started {
            Ok(Ok(())) => return (addr, process),
            Ok(Err(status)) if attempt < 3 => {
                eprintln!("{what} exited with {status} on {addr}; retrying on another port")
            }
            Ok(Err(_)) => panic!("{what} did not start:\n{}", process.output()),
            Err(error) => panic!(
                "{what} did not get ready on {addr}: {error}\n{}",
                process.output()
            ),
        }
    }
    unreachable!("the last attempt returns or panics")
}

//! Child processes that are killed when the test ends, free ports, bounded waiting.

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

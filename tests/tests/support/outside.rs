//! Crates outside this repository (`tests/fixtures/outside*`), as a user writes them: copied to
//! a temporary directory, pointed at this runtime by an absolute path, built by cargo, and run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::Duration;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// Shared by every outside crate and every run, so compiled dependencies are reused; apart from
/// ours, so the builds never wait on each other's lock.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from)
        .join("outside")
}

/// The fixture `tests/fixtures/<fixture>` copied to a fresh `<tmp>/<dir_name>-<pid>`, its
/// dependency pointing at this runtime by an absolute path, and our lock file so it resolves the
/// versions we test with.
pub fn prepare(fixture: &str, dir_name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{dir_name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    copy_dir(&workspace().join("tests/fixtures").join(fixture), &dir);
    let manifest_path = dir.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let relative = r#"path = "../../../runtime""#;
    assert!(
        manifest.contains(relative),
        "the fixture's manifest names the runtime as {relative}"
    );
    let runtime = workspace().join("runtime");
    let absolute = format!("path = {:?}", runtime.to_str().expect("a UTF-8 path"));
    std::fs::write(&manifest_path, manifest.replace(relative, &absolute)).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// Copies `from` to `to`, leaving out any `target` directory.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Cargo run in `dir` as a user runs it: warnings are errors, and none of the variables the cargo
/// running this test sets for it leaks in.
pub fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("RUSTFLAGS", "-Dwarnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .env_remove("CARGO_TERM_COLOR");
    command
}

/// Runs cargo, asserting it succeeds and prints no warning.
pub fn cargo_clean(dir: &Path, args: &[&str]) -> Output {
    let output = cargo(dir, args).output().expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo {args:?} failed:\n{stderr}");
    assert!(
        !stderr.contains("warning"),
        "cargo {args:?} printed a warning:\n{stderr}"
    );
    output
}

/// A fixture's binary running with piped standard streams: its stdout read line by line, its
/// stderr kept for failure messages. Killed when dropped, also when an assertion fails.
pub struct Fixture {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Fixture {
    /// Starts `binary` serving on `addr`, with none of the fixtures' variables from our own
    /// environment.
    pub fn start(binary: &Path, addr: SocketAddr) -> Fixture {
        let mut child = Command::new(binary)
            .env("METRICS_ADDR", addr.to_string())
            .env_remove("ENABLE_METRICS")
            .env_remove("OUTSIDE_ROLLBACK")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for read in BufReader::new(stdout).lines() {
                let Ok(read) = read else { break };
                if sender.send(read).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Fixture {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr: Some(stderr),
        }
    }

    /// Waits for the line starting with `word`; returns the rest of it.
    pub fn expect_line(&mut self, word: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(&format!("{word} ")) {
                        return rest.to_owned();
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let stderr = self
                        .stderr
                        .take()
                        .and_then(|stderr| stderr.join().ok())
                        .unwrap_or_default();
                    panic!("the fixture never printed `{word} ...`; stderr:\n{stderr}");
                }
            }
        }
    }

    /// Writes `go` to its stdin: the fixture waits for it before it makes its calls.
    pub fn go(&mut self) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(b"go\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes its standard input, which ends it, and asserts it exits cleanly.
    pub fn stop(mut self) {
        drop(self.stdin.take());
        let mut status = None;
        for _ in 0..100 {
            status = self.child.try_wait().unwrap();
            if status.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|stderr| stderr.join().ok())
            .unwrap_or_default();
        assert!(
            status.is_some_and(|status| status.success()),
            "the fixture exits cleanly: {status:?}\n{stderr}"
        );
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

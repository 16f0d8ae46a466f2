//! A crate outside this repository, as a user writes it: `tests/fixtures/outside` depends on
//! `instrument-metrics` by path and instruments every supported shape under `#![deny(warnings)]`.
//! Copied to a temporary directory, it must build and pass clippy (pedantic) with no warning, and
//! after its known calls its scraped `/metrics` must hold exactly those counts and results, and a
//! zero in-flight gauge everywhere.

mod exposition;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use exposition::{Calls, calls, samples, scrape};

const ROOT: &str = "outside_fixture";
const SHAPES: &str = "outside_fixture::shapes";

/// `(function, module, ok, error, panic, cancelled)` after the fixture's run: see `exercise()` in
/// `tests/fixtures/outside/src/shapes.rs`.
const EXPECTED: &[(&str, &str, u32, u32, u32, u32)] = &[
    ("in_crate_root", ROOT, 1, 0, 0, 0),
    ("sync_free", SHAPES, 2, 1, 0, 0),
    ("async_free", SHAPES, 2, 1, 0, 0),
    ("generic_longest", SHAPES, 2, 0, 0, 0),
    ("generic_async", SHAPES, 2, 0, 0, 0),
    ("impl_trait_arg", SHAPES, 1, 0, 0, 0),
    ("impl_trait_return", SHAPES, 1, 0, 0, 0),
    ("patterns", SHAPES, 1, 0, 0, 0),
    ("collect_tail", SHAPES, 1, 0, 0, 0),
    ("into_tail", SHAPES, 1, 0, 0, 0),
    ("unsafe_read", SHAPES, 1, 0, 0, 0),
    ("future_tail", SHAPES, 1, 2, 0, 0),
    ("boxed_tail", SHAPES, 0, 1, 0, 0),
    ("panics", SHAPES, 1, 0, 1, 0),
    ("never_ready", SHAPES, 0, 0, 0, 2),
    ("Account::new", SHAPES, 2, 0, 0, 0),
    ("Account::balance", SHAPES, 1, 0, 0, 0),
    ("Account::deposit", SHAPES, 1, 1, 0, 0),
    ("Account::audit", SHAPES, 1, 0, 0, 0),
    ("Account::describe", SHAPES, 1, 0, 0, 0),
    ("Account::fmt", SHAPES, 1, 0, 0, 0),
    ("Account::fetch", SHAPES, 1, 1, 0, 0),
    ("Account::close", SHAPES, 1, 0, 0, 0),
    ("Account::boxed_close", SHAPES, 1, 0, 0, 0),
    ("Ledger::last", SHAPES, 2, 0, 0, 0),
    ("MemoryStore::load", SHAPES, 1, 1, 0, 0),
    ("MemoryStore::save", SHAPES, 1, 0, 0, 0),
    ("DiskStore::load", SHAPES, 1, 0, 0, 0),
    ("DiskStore::save", SHAPES, 0, 1, 0, 0),
    ("CacheStore::load", SHAPES, 1, 0, 0, 0),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// Shared by every run so compiled dependencies are reused; apart from ours, so the two builds
/// never wait on each other's lock.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from)
        .join("outside")
}

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

/// The fixture, copied out of the repository, its dependency pointing at this runtime by an
/// absolute path, and our lock file so it resolves the versions we test with.
fn prepare(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    copy_dir(&workspace().join("tests/fixtures/outside"), dir);
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
}

fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("RUSTFLAGS", "-Dwarnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PRIMARY_PACKAGE");
    command
}

/// Runs cargo, asserting it succeeds and prints no warning.
fn cargo_clean(dir: &Path, args: &[&str]) {
    let output = cargo(dir, args).output().expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo {args:?} failed:\n{stderr}");
    assert!(
        !stderr.contains("warning"),
        "cargo {args:?} printed a warning:\n{stderr}"
    );
}

/// Kills the fixture when the test ends, also when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn an_outside_crate_builds_without_warnings_and_serves_exact_counts() {
    let dir =
        std::env::temp_dir().join(format!("instrument-metrics-outside-{}", std::process::id()));
    prepare(&dir);
    cargo_clean(&dir, &["build", "--quiet"]);
    cargo_clean(&dir, &["clippy", "--quiet", "--all-targets"]);

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    let binary = target_dir().join("debug").join("outside-fixture");
    let mut child = Command::new(&binary)
        .env("METRICS_ADDR", addr.to_string())
        .env_remove("ENABLE_METRICS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut running = Running(child);

    let (lines, line) = mpsc::channel();
    std::thread::spawn(move || {
        for read in BufReader::new(stdout).lines() {
            let Ok(read) = read else { break };
            if lines.send(read).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let ready = loop {
        match line.recv_timeout(Duration::from_secs(60)) {
            Ok(read) if read.starts_with("ready ") => break read,
            Ok(_) => {}
            Err(_) => {
                let _ = running.0.kill();
                panic!(
                    "the fixture never became ready; stderr:\n{}",
                    stderr.join().unwrap_or_default()
                );
            }
        }
    };
    assert_eq!(
        ready,
        format!("ready {addr}"),
        "the fixture serves on METRICS_ADDR"
    );

    let text = scrape(addr);
    for &(function, module, ok, error, panic, cancelled) in EXPECTED {
        assert_eq!(
            calls(&text, function, module),
            Calls::finished(ok, error, panic, cancelled),
            "{function} in {module}"
        );
    }
    let expected: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(function, module, ..)| ((*function).to_owned(), (*module).to_owned()))
        .collect();
    let found: BTreeSet<(String, String)> = samples(&text)
        .into_iter()
        .filter(|sample| sample.name == "function_calls_total")
        .map(|sample| {
            (
                sample.labels["function"].clone(),
                sample.labels["module"].clone(),
            )
        })
        .collect();
    assert_eq!(
        found, expected,
        "exactly the instrumented functions have series"
    );
    let gauges: Vec<_> = samples(&text)
        .into_iter()
        .filter(|sample| sample.name == "function_calls_in_flight")
        .collect();
    assert_eq!(gauges.len(), EXPECTED.len());
    assert!(
        gauges.iter().all(|gauge| gauge.value == 0.0),
        "every in-flight gauge is 0: {gauges:?}"
    );

    // Closing its standard input ends it.
    drop(running.0.stdin.take());
    let mut status = None;
    for _ in 0..100 {
        status = running.0.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let stderr = stderr.join().unwrap_or_default();
    assert!(
        status.is_some_and(|status| status.success()),
        "the fixture exits cleanly: {status:?}\n{stderr}"
    );
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}

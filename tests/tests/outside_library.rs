//! Instrumenting a library: a crate outside this repository depends on `instrument-metrics` with
//! `default-features = false` (`tests/fixtures/outside_library`). Its dependency tree holds no
//! exporter, hyper or tokio, it builds with no warning, and its calls land exactly in the
//! recorder active when they run: none before `DebuggingRecorder` is installed globally, all
//! after, and a thread-local recorder's only on its thread.

mod support;

use std::process::Command;

use support::outside::{cargo_clean, prepare, workspace};

const HEAVY: &[&str] = &[
    "metrics-exporter-prometheus",
    "hyper",
    "tokio",
    "axum",
    "regex-lite",
    "flate2",
];

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn a_library_crate_records_into_whatever_recorder_is_active() {
    let dir = prepare("outside_library", "instrument-metrics-outside-library");
    let tree = cargo_clean(&dir, &["tree", "-e", "normal", "--prefix", "none"]);
    let tree = String::from_utf8_lossy(&tree.stdout);
    for heavy in HEAVY {
        assert!(
            !tree
                .lines()
                .any(|line| line.starts_with(&format!("{heavy} "))),
            "{heavy} in:\n{tree}"
        );
    }
    assert!(tree.contains("instrument-metrics v"), "{tree}");

    let run = cargo_clean(&dir, &["run", "--quiet"]);
    let printed = String::from_utf8_lossy(&run.stdout);
    let lines: Vec<&str> = printed.lines().collect();
    // Local: the call on its own thread, not the one on the spawned thread, not the ones before.
    // Global: exactly the calls made after it was installed, from any thread.
    assert_eq!(
        lines,
        [
            "local ok 1",
            "local error 0",
            "global ok 4",
            "global error 1"
        ],
        "{printed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "runs cargo tree; run by scripts/test"]
fn without_default_features_the_runtime_has_no_exporter_in_its_tree() {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "tree",
            "-p",
            "instrument-metrics",
            "--no-default-features",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(workspace())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    for heavy in HEAVY {
        assert!(
            !tree
                .lines()
                .any(|line| line.starts_with(&format!("{heavy} "))),
            "{heavy} in:\n{tree}"
        );
    }
    assert!(
        tree.lines().any(|line| line.starts_with("metrics v")),
        "{tree}"
    );
}

//! Instrumenting a library: a crate outside this repository depends on `instrument-metrics` with
//! `default-features = false` (`tests/fixtures/outside_library`). Its dependency tree holds no
//! exporter, hyper or tokio, it builds with no warning, and its calls land exactly in the
//! recorder active when they run: none before `DebuggingRecorder` is installed globally, all
//! after, and a thread-local recorder's only on its thread.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// Shared with the other outside crates, so compiled dependencies are reused.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from)
        .join("outside")
}

fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("RUSTFLAGS", "-Dwarnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo {args:?} failed:\n{stderr}");
    assert!(
        !stderr.contains("warning"),
        "cargo {args:?} printed a warning:\n{stderr}"
    );
    output
}

/// The fixture in a temporary directory, pointing at this runtime by absolute path, with our
/// lock file so it resolves the versions we test with.
fn prepare() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "instrument-metrics-outside-library-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let fixture = workspace().join("tests/fixtures/outside_library");
    std::fs::copy(fixture.join("src/main.rs"), dir.join("src/main.rs")).unwrap();
    let manifest = std::fs::read_to_string(fixture.join("Cargo.toml")).unwrap();
    let relative = r#"path = "../../../runtime""#;
    assert!(
        manifest.contains(relative),
        "the fixture names the runtime as {relative}"
    );
    let absolute = format!(
        "path = {:?}",
        workspace().join("runtime").to_str().expect("a UTF-8 path")
    );
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest.replace(relative, &absolute),
    )
    .unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

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
    let dir = prepare();
    let tree = cargo(&dir, &["tree", "-e", "normal", "--prefix", "none"]);
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

    let run = cargo(&dir, &["run", "--quiet"]);
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

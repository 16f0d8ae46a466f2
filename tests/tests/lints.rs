//! The attribute is invisible to rustc and clippy: `tests/fixtures/lints`, a crate whose
//! functions of every shape hold known findings, gets the same findings, on the same lines, from
//! `cargo clippy -- -W clippy::pedantic` without and with `#[instrument_metrics]` on every one of
//! them (its feature `instrumented`).
//!
//! Each line of the fixture with a finding says so in a comment: `// finding: <lint>, <lint>`.
//! `// finding without the attribute: <lint>` is a finding the attribute cannot keep; the guide's
//! attribute page (`runtime/src/guide/attribute.md`, "Lints") says why, with the clippy source
//! that decides it.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::outside::{cargo, prepare, target_dir, workspace};

/// A finding: the file (relative to the fixture), the line, and the lint.
type Finding = (String, usize, String);

#[test]
fn the_attribute_keeps_every_finding_of_rustc_and_clippy() {
    let dir = prepare("lints", "instrument-metrics-lints");
    let (everywhere, without_attribute) = marked_findings();
    assert!(
        everywhere.len() >= 20,
        "the fixture has at least 20 findings"
    );

    let plain = clippy(&dir, &[]);
    let mut expected_plain = everywhere.clone();
    expected_plain.extend(without_attribute.iter().cloned());
    expected_plain.sort();
    assert_eq!(
        plain, expected_plain,
        "without the attribute, clippy finds what the fixture's comments say (a new clippy may \
         find more or fewer: update the `// finding:` comments)"
    );

    let instrumented = clippy(&dir, &["--features", "instrumented"]);
    assert_eq!(
        differences(&plain, &instrumented),
        differences(&expected_plain, &everywhere),
        "with the attribute, the same findings on the same lines, but for the documented ones"
    );
    assert_eq!(instrumented, everywhere);

    let _ = std::fs::remove_dir_all(&dir);
}

/// The expansion must compile where closures capture whole variables (edition 2018), not only
/// the places they use: a `&mut` parameter reborrowed for the returned value still works.
#[test]
fn the_fixture_builds_instrumented_in_edition_2018() {
    let dir = prepare("lints", "instrument-metrics-lints-2018");
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("edition = \"2024\""));
    std::fs::write(
        &manifest,
        text.replace("edition = \"2024\"", "edition = \"2018\""),
    )
    .unwrap();
    let output = lints_cargo(
        &dir,
        &[
            "check",
            "--offline",
            "--quiet",
            "--features",
            "instrumented",
        ],
    )
    .output()
    .expect("cargo runs");
    assert!(
        output.status.success(),
        "the instrumented fixture builds in edition 2018:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Cargo for the fixture, in a target directory of its own: its warnings are the point, so it
/// is built without the `-Dwarnings` of the other outside crates (which would rebuild theirs).
fn lints_cargo(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut command = cargo(dir, args);
    command
        .env_remove("RUSTFLAGS")
        .env("CARGO_TARGET_DIR", lints_target());
    command
}

fn lints_target() -> PathBuf {
    target_dir().with_file_name("outside-lints")
}

/// What clippy finds in the fixture with `features`, sorted.
fn clippy(dir: &Path, features: &[&str]) -> Vec<Finding> {
    let mut args = vec!["clippy", "--offline", "--quiet", "--message-format=json"];
    args.extend(features);
    args.extend(["--", "-W", "clippy::pedantic"]);
    let output = lints_cargo(dir, &args).output().expect("cargo runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "cargo {args:?} failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut found = Vec::new();
    for line in stdout.lines() {
        let message: serde_json::Value = serde_json::from_str(line).unwrap();
        if message["reason"] != "compiler-message" {
            continue;
        }
        let diagnostic = &message["message"];
        let Some(code) = diagnostic["code"]["code"].as_str() else {
            // "N warnings emitted" and the like.
            continue;
        };
        let span = diagnostic["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|span| span["is_primary"] == true))
            .unwrap_or_else(|| panic!("a finding without a primary span: {diagnostic}"));
        found.push((
            span["file_name"].as_str().unwrap().to_owned(),
            usize::try_from(span["line_start"].as_u64().unwrap()).unwrap(),
            code.to_owned(),
        ));
    }
    found.sort();
    found
}

/// The findings the fixture's comments name: those kept by the attribute, and those only found
/// without it.
fn marked_findings() -> (Vec<Finding>, Vec<Finding>) {
    let src = workspace().join("tests/fixtures/lints/src");
    let mut everywhere = Vec::new();
    let mut without_attribute = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let name = format!("src/{}", file.file_name().unwrap().to_str().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, line) in text.lines().enumerate() {
            let Some((_, comment)) = line.split_once("// finding") else {
                continue;
            };
            let (list, lints) = if let Some(lints) = comment.strip_prefix(": ") {
                (&mut everywhere, lints)
            } else if let Some(lints) = comment.strip_prefix(" without the attribute: ") {
                (&mut without_attribute, lints)
            } else {
                panic!("{name}:{}: a malformed finding comment", index + 1);
            };
            for lint in lints.split(',') {
                list.push((name.clone(), index + 1, lint.trim().to_owned()));
            }
        }
    }
    everywhere.sort();
    without_attribute.sort();
    (everywhere, without_attribute)
}

/// The findings `before` has that `after` lacks, and those `after` adds, by lint, so that a
/// failure names what the attribute hides or adds.
fn differences(before: &[Finding], after: &[Finding]) -> BTreeMap<String, Vec<String>> {
    let mut differences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut remaining = after.to_vec();
    for finding in before {
        if let Some(position) = remaining.iter().position(|other| other == finding) {
            remaining.remove(position);
        } else {
            differences
                .entry(format!("hidden {}", finding.2))
                .or_default()
                .push(format!("{}:{}", finding.0, finding.1));
        }
    }
    for finding in remaining {
        differences
            .entry(format!("added {}", finding.2))
            .or_default()
            .push(format!("{}:{}", finding.0, finding.1));
    }
    differences
}

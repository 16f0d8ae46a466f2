//! A crate outside this repository, as a user writes it: `tests/fixtures/outside` depends on
//! `instrument-metrics` by path and instruments every supported shape under `#![deny(warnings)]`.
//! Copied to a temporary directory, it must build and pass clippy (pedantic) with no warning, and
//! after its known calls its scraped `/metrics` must hold exactly those counts and results, and a
//! zero in-flight gauge everywhere.

mod support;

use std::collections::BTreeSet;

use support::calls::{Calls, calls};
use support::exposition::samples;
use support::http::scrape;
use support::outside::{Fixture, cargo_clean, prepare, target_dir};
use support::process::free_loopback_addr;

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

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn an_outside_crate_builds_without_warnings_and_serves_exact_counts() {
    let dir = prepare("outside", "instrument-metrics-outside");
    cargo_clean(&dir, &["build", "--quiet"]);
    cargo_clean(&dir, &["clippy", "--quiet", "--all-targets"]);

    let addr = free_loopback_addr();
    let binary = target_dir().join("debug").join("outside-fixture");
    let mut fixture = Fixture::start(&binary, addr);
    assert_eq!(
        fixture.expect_line("ready"),
        addr.to_string(),
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
    fixture.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

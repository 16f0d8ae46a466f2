//! The "Metrics" section the attribute appends to a documented function's rustdoc
//! (`tests/fixtures/docs`, a crate with `#![deny(rustdoc::all)]`): `cargo doc` builds it with
//! `-Dwarnings`, and each documented function's page holds its three queries with their real
//! family names and `function` labels, and links to the graphs of `PROMETHEUS_URL`. An
//! undocumented `pub` function gets no docs from the attribute: `missing_docs` still finds it,
//! on its line.

mod support;

use support::outside::{cargo, prepare, target_dir};

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn documented_functions_get_a_metrics_section_with_graph_links() {
    let dir = prepare("docs", "instrument-metrics-docs");
    let output = cargo(&dir, &["doc", "--offline", "--no-deps"])
        .env("RUSTDOCFLAGS", "-Dwarnings")
        .env("PROMETHEUS_URL", "http://prometheus.example:9090/")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo doc failed:\n{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");

    let doc = target_dir().join("doc/docs_fixture");
    let page = |file: &str| {
        let html = std::fs::read_to_string(doc.join(file)).unwrap();
        html.replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&gt;", ">")
            .replace("&lt;", "<")
    };
    let function = page("fn.place_order.html");
    assert!(function.contains("id=\"metrics\""), "{function}");
    for text in [
        "sum by (result) (rate(function_calls_total{function=\"place_order\"}[5m]))",
        "sum(rate(function_calls_total{function=\"place_order\",result=~\"error|panic\"}[5m])) / sum(rate(function_calls_total{function=\"place_order\"}[5m]))",
        "histogram_quantile(0.99, sum by (le) (rate(function_calls_duration_seconds_bucket{function=\"place_order\"}[5m])))",
        "href=\"http://prometheus.example:9090/graph?g0.expr=histogram_quantile%280.99%2C%20sum%20by%20%28le%29%20%28rate%28function_calls_duration_seconds_bucket%7Bfunction%3D%22place_order%22%7D%5B5m%5D%29%29%29&g0.tab=0\"",
    ] {
        assert!(function.contains(text), "missing {text} in\n{function}");
    }
    // The user's own sections stay, before ours.
    let errors = function
        .find("id=\"errors\"")
        .expect("the # Errors section");
    assert!(errors < function.find("id=\"metrics\"").unwrap());

    let cart = page("struct.Cart.html");
    assert!(
        cart.contains("sum by (result) (rate(cart_total{function=\"Cart::add\"}[5m]))"),
        "{cart}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "builds a crate outside the workspace; run by scripts/test"]
fn an_undocumented_function_keeps_its_missing_docs_warning() {
    let dir = prepare("docs", "instrument-metrics-docs-missing");
    let output = cargo(
        &dir,
        &[
            "check",
            "--offline",
            "--features",
            "undocumented",
            "--message-format=json",
        ],
    )
    // The warning is the point: not turned into an error, and in the target directory of the
    // lints fixture, which is built without `-Dwarnings` too.
    .env_remove("RUSTFLAGS")
    .env(
        "CARGO_TARGET_DIR",
        target_dir().with_file_name("outside-lints"),
    )
    .output()
    .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut missing = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let message: serde_json::Value = serde_json::from_str(line).unwrap();
        if message["reason"] != "compiler-message" {
            continue;
        }
        let diagnostic = &message["message"];
        let span = &diagnostic["spans"][0];
        // The fixture's own findings (a path dependency's would be listed too).
        if span["file_name"]
            .as_str()
            .is_some_and(|file| file.starts_with('/'))
        {
            continue;
        }
        missing.push((
            diagnostic["code"]["code"].as_str().unwrap_or("").to_owned(),
            span["file_name"].as_str().unwrap_or("").to_owned(),
            span["line_start"].as_u64().unwrap_or(0),
            span["text"][0]["text"].as_str().unwrap_or("").to_owned(),
        ));
    }
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let line = source
        .lines()
        .position(|line| line.starts_with("pub fn undocumented"))
        .expect("the fixture has it") as u64
        + 1;
    assert_eq!(
        missing,
        [(
            "missing_docs".to_owned(),
            "src/lib.rs".to_owned(),
            line,
            "pub fn undocumented(items: u32) -> u32 {".to_owned()
        )],
        "exactly one finding: missing_docs on the undocumented function"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

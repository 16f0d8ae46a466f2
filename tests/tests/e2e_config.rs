//! End to end: the `pipeline` example started with each configuration variable set, as an
//! operator would, and what its `/metrics` then serves over real TCP: name prefixes, custom
//! labels, exclusions, buckets, disabled mode, bearer-token auth, gzip, 404/405, and the error
//! (exit status and message) for a value of each variable that does not parse.
//!
//! The stages are found by their `function` label and the suffix of their family (`_total`,
//! `_duration_seconds_bucket`, ...), not by the family's base name: the example may record a stage
//! in a family of its own (`#[instrument_metrics(name = "...")]`).
//!
//! They need `promtool` (Debian's `prometheus` package) for the lint of the configured output,
//! so they are ignored by default; `scripts/test` installs it and runs them with
//! `--include-ignored`. A missing binary fails the test: it never passes by skipping.

mod support;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use support::examples::{self, Served};
use support::exposition::{self, Sample};
use support::http;
use support::process::{ChildGuard, free_loopback_addr, poll};
use support::scratch::ScratchDir;
use support::tools::promtool_check;

/// The instrumented functions of the example, by their `function` label.
const STAGES: [&str; 4] = ["extract", "transform", "load", "run"];

/// The example runs about ten pipelines a second; a few runs take well under this.
const SCRAPE_LIMIT: Duration = Duration::from_secs(20);

/// An invalid value must stop the process about at once; this leaves room for a loaded machine.
const EXIT_LIMIT: Duration = Duration::from_secs(10);

/// Faults off: every run calls every stage, so every stage has series after a few runs.
const NO_FAULTS: [(&str, &str); 2] = [("PIPELINE_FAILURE_RATE", "0"), ("PIPELINE_PANIC_RATE", "0")];

/// Starts the pipeline without faults plus `env`.
fn pipeline(scratch: &ScratchDir, env: &[(&str, &str)]) -> Served {
    let env: Vec<(&str, &str)> = NO_FAULTS.iter().chain(env).copied().collect();
    Served::start(scratch, "pipeline", &env)
}

/// A scrape in which every stage in `stages` has run at least `runs` times (by the `_count` of
/// its duration histogram, whatever its family prefix).
fn scrape_after_runs(served: &mut Served, stages: &[&str], runs: f64) -> String {
    served.scrape_until(SCRAPE_LIMIT, |text| {
        let samples = exposition::parse(text)?;
        let missing: Vec<&&str> = stages
            .iter()
            .filter(|stage| {
                let count: f64 = of_stage(&samples, "_duration_seconds_count", stage)
                    .map(|sample| sample.value)
                    .sum();
                count < runs
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("fewer than {runs} calls of {missing:?} yet"))
        }
    })
}

/// The samples of `stage` in every family whose sample name ends with `suffix`, e.g. `_total`,
/// `_in_flight`, `_duration_seconds_bucket`.
fn of_stage<'a>(
    samples: &'a [Sample],
    suffix: &'a str,
    stage: &'a str,
) -> impl Iterator<Item = &'a Sample> {
    samples
        .iter()
        .filter(move |sample| sample.name.ends_with(suffix) && sample.label("function") == stage)
}

/// Calls of `stage` that ended with `result`, from its `_total` counter.
fn calls(samples: &[Sample], stage: &str, result: &str) -> f64 {
    of_stage(samples, "_total", stage)
        .filter(|sample| sample.label("result") == result)
        .map(|sample| sample.value)
        .sum()
}

fn parse(text: &str) -> Vec<Sample> {
    exposition::parse(text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

/// The family names of `# TYPE` lines.
fn families(text: &str) -> BTreeSet<String> {
    exposition::types(text).into_keys().collect()
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn namespace_and_subsystem_prefix_every_family() {
    let scratch = ScratchDir::new("e2e-prefix");
    let mut served = pipeline(
        &scratch,
        &[("METRICS_NAMESPACE", "acme"), ("METRICS_SUBSYSTEM", "etl")],
    );
    let text = scrape_after_runs(&mut served, &STAGES, 1.0);

    let families = families(&text);
    assert!(
        families.contains("acme_etl_build_info"),
        "no acme_etl_build_info in\n{text}"
    );
    // Process metrics keep the names every Prometheus client uses; everything else is ours.
    let unprefixed: Vec<&String> = families
        .iter()
        .filter(|family| !family.starts_with("acme_etl_") && !family.starts_with("process_"))
        .collect();
    assert!(
        unprefixed.is_empty(),
        "families without the prefix: {unprefixed:?}\n{text}"
    );
    let samples = parse(&text);
    let stray: Vec<&Sample> = samples
        .iter()
        .filter(|sample| {
            !sample.name.starts_with("acme_etl_") && !sample.name.starts_with("process_")
        })
        .collect();
    assert!(stray.is_empty(), "unprefixed samples: {stray:?}\n{text}");
    for stage in STAGES {
        for suffix in ["_total", "_in_flight", "_duration_seconds_bucket"] {
            let found: Vec<&Sample> = of_stage(&samples, suffix, stage).collect();
            assert!(!found.is_empty(), "no {suffix} sample of {stage}\n{text}");
            assert!(
                found
                    .iter()
                    .all(|sample| sample.name.starts_with("acme_etl_")),
                "{stage}: {found:?}"
            );
        }
        assert!(calls(&samples, stage, "ok") >= 1.0, "{stage}\n{text}");
    }
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn custom_labels_are_on_every_series() {
    let scratch = ScratchDir::new("e2e-custom-labels");
    // Anything but a comma can go through the variable: quotes and backslashes included.
    let note = r#"say "hi" \ C:\path ü"#;
    let labels = format!("service=api, environment=prod,note={note}");
    let mut served = pipeline(&scratch, &[("METRICS_CUSTOM_LABELS", labels.as_str())]);
    let text = scrape_after_runs(&mut served, &STAGES, 1.0);

    let samples = parse(&text);
    assert!(
        samples.iter().any(|sample| sample.name == "build_info"),
        "{text}"
    );
    for stage in STAGES {
        assert!(
            samples
                .iter()
                .any(|sample| sample.label("function") == stage),
            "no series of {stage}\n{text}"
        );
    }
    let without: Vec<&Sample> = samples
        .iter()
        .filter(|sample| {
            sample.label("service") != "api"
                || sample.label("environment") != "prod"
                || sample.label("note") != note
        })
        .collect();
    assert!(
        without.is_empty(),
        "series without service=\"api\", environment=\"prod\", note={note:?}: {without:#?}\n{text}"
    );
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn excluded_functions_have_no_series() {
    let scratch = ScratchDir::new("e2e-excluded");
    // A pattern must match the whole `function` label: `ext` excludes nothing, `trans.*` does.
    let mut served = pipeline(&scratch, &[("METRICS_EXCLUDED_HANDLERS", "trans.*, ext")]);
    // Every `run` calls `transform` (no faults), so three runs mean three transform calls.
    let text = scrape_after_runs(&mut served, &["extract", "load", "run"], 3.0);

    let samples = parse(&text);
    let transform: Vec<&Sample> = samples
        .iter()
        .filter(|sample| sample.label("function") == "transform")
        .collect();
    assert!(
        transform.is_empty(),
        "the excluded transform has series: {transform:?}\n{text}"
    );
    for stage in ["extract", "load", "run"] {
        for suffix in ["_total", "_in_flight", "_duration_seconds_bucket"] {
            assert!(
                of_stage(&samples, suffix, stage).next().is_some(),
                "no {suffix} sample of {stage}, which is not excluded\n{text}"
            );
        }
    }
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn buckets_set_the_le_bounds() {
    let scratch = ScratchDir::new("e2e-buckets");
    let mut served = pipeline(&scratch, &[("METRICS_BUCKETS", "0.002, 0.02,0.2,2")]);
    let text = scrape_after_runs(&mut served, &STAGES, 2.0);

    let samples = parse(&text);
    let expected: BTreeSet<&str> = ["0.002", "0.02", "0.2", "2", "+Inf"].into();
    for stage in STAGES {
        let buckets: Vec<&Sample> = of_stage(&samples, "_duration_seconds_bucket", stage).collect();
        let bounds: BTreeSet<&str> = buckets.iter().map(|sample| sample.label("le")).collect();
        assert_eq!(bounds, expected, "le bounds of {stage}\n{text}");
        assert_eq!(buckets.len(), expected.len(), "{stage}\n{text}");
        let counts: Vec<f64> = buckets.iter().map(|sample| sample.value).collect();
        assert!(
            counts.windows(2).all(|pair| pair[0] <= pair[1]),
            "{stage}: buckets are not cumulative: {counts:?}"
        );
        let count = of_stage(&samples, "_duration_seconds_count", stage)
            .next()
            .map(|sample| sample.value);
        assert_eq!(
            counts.last().copied(),
            count,
            "{stage}: +Inf bucket vs _count"
        );
    }
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn everything_configured_at_once_passes_promtool() {
    let scratch = ScratchDir::new("e2e-all-promtool");
    let mut served = pipeline(
        &scratch,
        &[
            ("METRICS_NAMESPACE", "acme"),
            ("METRICS_SUBSYSTEM", "etl"),
            (
                "METRICS_CUSTOM_LABELS",
                r#"service=api,note=a "quoted" \ value"#,
            ),
            ("METRICS_EXCLUDED_HANDLERS", "load"),
            ("METRICS_BUCKETS", "0.01,0.1,1"),
            ("PIPELINE_FAILURE_RATE", "0.3"),
        ],
    );
    // With faults on, wait until `extract` (the first stage) has both results.
    let text = served.scrape_until(SCRAPE_LIMIT, |text| {
        let samples = exposition::parse(text)?;
        if calls(&samples, "extract", "ok") >= 1.0 && calls(&samples, "extract", "error") >= 1.0 {
            Ok(())
        } else {
            Err("extract has not both succeeded and failed yet".into())
        }
    });
    if let Err(findings) = promtool_check(&text) {
        panic!("{findings}\n--- the scraped text ---\n{text}");
    }
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn disabled_metrics_bind_no_port_and_the_job_runs_on() {
    for disabled in ["false", "0"] {
        let scratch = ScratchDir::new("e2e-disabled");
        let addr = free_loopback_addr();
        let mut command = examples::command("pipeline");
        command
            .env("ENABLE_METRICS", disabled)
            .env("METRICS_ADDR", addr.to_string())
            .envs(NO_FAULTS);
        let name = format!("pipeline-disabled-{disabled}");
        let mut process = ChildGuard::spawn(&name, command, scratch.path());
        let stdout = scratch.join(&format!("{name}.stdout"));
        poll(Duration::from_secs(20), examples::POLL_INTERVAL, || {
            if let Some(status) = process.exited() {
                return Ok(Err(status));
            }
            let printed = std::fs::read_to_string(&stdout).unwrap_or_default();
            if printed.contains("metrics are disabled") {
                Ok(Ok(()))
            } else {
                Err(format!("it printed only {printed:?}"))
            }
        })
        .unwrap_or_else(|error| panic!("ENABLE_METRICS={disabled}: {error}\n{}", process.output()))
        .unwrap_or_else(|status| {
            panic!(
                "ENABLE_METRICS={disabled}: the pipeline exited with {status}\n{}",
                process.output()
            )
        });
        // Pipelines run meanwhile; give a late bind every chance to show.
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(
            process.exited(),
            None,
            "ENABLE_METRICS={disabled}: the pipeline stopped\n{}",
            process.output()
        );
        assert_port_unbound(addr, disabled, &mut process);
    }
}

/// Nothing listens on `addr`: connecting is refused, and the port can be bound by us.
fn assert_port_unbound(addr: SocketAddr, disabled: &str, process: &mut ChildGuard) {
    if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        panic!(
            "ENABLE_METRICS={disabled}: {addr} accepted a connection ({stream:?})\n{}",
            process.output()
        );
    }
    if let Err(error) = TcpListener::bind(addr) {
        panic!(
            "ENABLE_METRICS={disabled}: {addr} cannot be bound ({error}); the pipeline holds it?\n{}",
            process.output()
        );
    }
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn auth_token_is_required_for_metrics() {
    let scratch = ScratchDir::new("e2e-auth");
    let token = "s3cr3t-t0ken";
    let mut served = pipeline(&scratch, &[("METRICS_AUTH_TOKEN", token)]);
    let addr = served.addr;

    let wrong_tokens = [
        None,
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {token}x")),
        Some("Bearer s3cr3t".to_owned()),
        Some("Bearer ".to_owned()),
        Some(format!("Basic {token}")),
        Some(token.to_owned()),
    ];
    for authorization in &wrong_tokens {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        let response = http::request(addr, "GET", "/metrics", &headers)
            .unwrap_or_else(|error| panic!("{error}\n{}", served.process.output()));
        assert_eq!(
            response.status, 401,
            "Authorization {authorization:?}: {response:?}"
        );
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer realm=\"metrics\""),
            "Authorization {authorization:?}: {response:?}"
        );
        let body = response.text().unwrap_or_default();
        assert!(!body.contains("# TYPE"), "a 401 leaks metrics: {body}");
    }

    let bearer = format!("Bearer {token}");
    poll(SCRAPE_LIMIT, examples::POLL_INTERVAL, || {
        let response = http::request(addr, "GET", "/metrics", &[("Authorization", &bearer)])?;
        if response.status != 200 {
            return Err(format!("the right token got {response:?}"));
        }
        let text = response.text()?;
        let samples = exposition::parse(&text)?;
        match calls(&samples, "run", "ok") >= 1.0 {
            true => Ok(()),
            false => Err(format!("no call of run yet:\n{text}")),
        }
    })
    .unwrap_or_else(|error| panic!("{error}\n{}", served.process.output()));
    // The scheme is case-insensitive (RFC 9110).
    let lowercase = http::request(
        addr,
        "GET",
        "/metrics",
        &[("authorization", &format!("bearer {token}"))],
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(lowercase.status, 200, "{lowercase:?}");
    // Health checks carry no token.
    let health = http::get(addr, "/health").unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(health.status, 200, "{health:?}");
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn gzip_only_when_the_scraper_asks() {
    let scratch = ScratchDir::new("e2e-gzip");
    let mut served = pipeline(&scratch, &[]);
    let plain = scrape_after_runs(&mut served, &STAGES, 1.0);
    let addr = served.addr;

    let zipped = http::request(addr, "GET", "/metrics", &[("Accept-Encoding", "gzip")])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(zipped.status, 200, "{zipped:?}");
    assert_eq!(
        zipped.header("content-encoding"),
        Some("gzip"),
        "{zipped:?}"
    );
    assert_eq!(
        zipped.header("vary"),
        Some("Accept, Accept-Encoding"),
        "{zipped:?}"
    );
    assert!(
        zipped
            .header("content-type")
            .is_some_and(|kind| kind.starts_with("text/plain; version=0.0.4")),
        "{zipped:?}"
    );
    assert_eq!(
        zipped.body.get(..2),
        Some(&[0x1f, 0x8b][..]),
        "not a gzip stream"
    );
    let text = http::gunzip(&zipped.body).unwrap_or_else(|error| panic!("{error}"));
    let samples = parse(&text);
    for stage in STAGES {
        assert!(
            calls(&samples, stage, "ok") >= 1.0,
            "the decompressed scrape has no {stage}\n{text}"
        );
    }
    // Same families as the plain scrape.
    assert_eq!(families(&text), families(&plain));

    for accept in [None, Some("identity"), Some("gzip;q=0"), Some("br")] {
        let headers: Vec<(&str, &str)> = accept
            .iter()
            .map(|value| ("Accept-Encoding", *value))
            .collect();
        let response = http::request(addr, "GET", "/metrics", &headers)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status, 200, "{response:?}");
        assert_eq!(
            response.header("content-encoding"),
            None,
            "Accept-Encoding {accept:?}"
        );
        let text = response
            .text()
            .unwrap_or_else(|error| panic!("Accept-Encoding {accept:?}: {error}"));
        assert!(
            exposition::types(&text).contains_key("build_info"),
            "{text}"
        );
    }
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn other_paths_are_404_and_other_methods_405() {
    let scratch = ScratchDir::new("e2e-routes");
    let served = pipeline(&scratch, &[]);
    let addr = served.addr;

    for path in ["/", "/metric", "/metrics/x", "/favicon.ico", "/healthz"] {
        let response = http::get(addr, path).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status, 404, "GET {path}: {response:?}");
        let body = response.text().unwrap_or_default();
        assert!(!body.contains("# TYPE"), "GET {path} leaks metrics");
    }
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let response =
            http::request(addr, method, "/metrics", &[]).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(response.status, 405, "{method} /metrics: {response:?}");
        assert_eq!(
            response.header("allow"),
            Some("GET, HEAD"),
            "{method} /metrics: {response:?}"
        );
    }
    // A query string does not change the path.
    let query = http::get(addr, "/metrics?format=text").unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(query.status, 200, "{query:?}");
    // HEAD: the headers of GET, no body (the client fails on one).
    let head =
        http::request(addr, "HEAD", "/metrics", &[]).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(head.status, 200, "{head:?}");
    assert!(
        head.header("content-type")
            .is_some_and(|kind| kind.starts_with("text/plain; version=0.0.4")),
        "{head:?}"
    );
    assert!(
        head.header("content-length")
            .and_then(|length| length.parse::<usize>().ok())
            .is_some_and(|length| length > 0),
        "{head:?}"
    );
}

#[test]
#[ignore = "needs prometheus tools; run by scripts/test"]
fn invalid_values_stop_the_process_naming_variable_and_value() {
    let invalid_utf8 = OsString::from_vec(b"tok\xffen".to_vec());
    let cases: Vec<(&str, OsString)> = vec![
        ("ENABLE_METRICS", "maybe".into()),
        ("METRICS_ADDR", "nine thousand".into()),
        ("METRICS_ADDR", "127.0.0.1:99999".into()),
        ("METRICS_NAMESPACE", "9lives".into()),
        ("METRICS_SUBSYSTEM", "etl-jobs".into()),
        ("METRICS_EXCLUDED_HANDLERS", "(unclosed".into()),
        ("METRICS_CUSTOM_LABELS", "service".into()),
        ("METRICS_CUSTOM_LABELS", "le=1".into()),
        ("METRICS_BUCKETS", "1,0.5".into()),
        ("METRICS_BUCKETS", "0.1,fast".into()),
        ("METRICS_AUTH_TOKEN", invalid_utf8),
        ("METRICS_PUSH_GATEWAY", "ftp://127.0.0.1:9091".into()),
        ("METRICS_PUSH_INTERVAL", "soon".into()),
        ("METRICS_PUSH_JOB", "nightly/export".into()),
    ];
    let scratch = ScratchDir::new("e2e-invalid");
    // All at once: each should be gone in a moment.
    let mut running: Vec<(String, OsString, String, ChildGuard)> = cases
        .into_iter()
        .enumerate()
        .map(|(index, (variable, value))| {
            let mut command = examples::command("pipeline");
            command
                .env("METRICS_ADDR", free_loopback_addr().to_string())
                .env(variable, &value)
                .envs(NO_FAULTS);
            let name = format!("invalid-{index}-{variable}");
            let process = ChildGuard::spawn(&name, command, scratch.path());
            (variable.to_owned(), value, name, process)
        })
        .collect();

    for (variable, value, name, process) in &mut running {
        let status = poll(EXIT_LIMIT, Duration::from_millis(20), || {
            process.exited().ok_or_else(|| "still running".to_owned())
        })
        .unwrap_or_else(|error| {
            panic!(
                "{variable}={value:?}: the pipeline did not stop: {error}\n{}",
                process.output()
            )
        });
        assert!(
            !status.success(),
            "{variable}={value:?}: exited with {status}\n{}",
            process.output()
        );
        let stderr =
            std::fs::read_to_string(scratch.join(&format!("{name}.stderr"))).unwrap_or_default();
        // The message shows the value as Rust's `{:?}` does (lossily, when it is not UTF-8), except
        // the auth token: a secret is never echoed.
        let shown = if variable == "METRICS_AUTH_TOKEN" {
            format!("{:?}", "<hidden>")
        } else {
            format!("{:?}", value.to_string_lossy().trim())
        };
        let expected = format!("invalid value {shown} for {variable}");
        assert!(
            stderr.contains(&expected),
            "{variable}={value:?}: stderr does not say {expected:?}:\n{stderr}"
        );
    }
}

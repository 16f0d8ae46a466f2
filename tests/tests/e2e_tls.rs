//! End to end: the pipeline example serves `/metrics` over HTTPS (`METRICS_TLS_CERT_FILE`,
//! `METRICS_TLS_KEY_FILE`) with a bearer token read from a file (`METRICS_AUTH_TOKEN_FILE`), and
//! over mutual TLS (`METRICS_TLS_CLIENT_CA_FILE`); a real Prometheus scrapes both with the
//! matching `tls_config` and `authorization`, and its scrapes without the token, with a wrong
//! one, or without a client certificate fail. Certificates are made by the test (rcgen).
//!
//! Bad TLS and token settings stop the example at install, naming the variable.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::examples::{self, POLL_INTERVAL, STARTUP_LIMIT, run_to_exit};
use support::process::{ChildGuard, poll, require_on_path, serve_on_free_port};
use support::prometheus;
use support::scratch::ScratchDir;
use support::tls::{self, Authority, Leaf};

/// A family the pipeline example always exports.
const FAMILY: &str = "# TYPE pipeline_stage_total counter";
const TOKEN: &str = "s3cret-scrape-token";

/// Starts the pipeline with `env`, serving HTTPS; ready once `/health` answers 200 over TLS
/// (with `client` when the listener wants a client certificate).
fn start_https(
    scratch: &ScratchDir,
    name: &str,
    env: &[(&str, &Path)],
    ca_file: &Path,
    client: Option<&Leaf>,
) -> (SocketAddr, ChildGuard) {
    let ca_file = ca_file.to_path_buf();
    serve_on_free_port(
        scratch.path(),
        name,
        &format!("the pipeline example ({name})"),
        STARTUP_LIMIT,
        POLL_INTERVAL,
        |addr, _| {
            let mut command = examples::command("pipeline");
            command
                .envs(env.iter().copied())
                .env("PIPELINE_FAILURE_RATE", "0")
                .env("METRICS_ADDR", addr.to_string());
            command
        },
        |addr| match tls::get(addr, "/health", &ca_file, client, &[])? {
            response if response.status == 200 => Ok(()),
            response => Err(format!("/health answered {response:?}")),
        },
    )
}

#[test]
#[ignore = "needs prometheus; run by scripts/test"]
fn prometheus_scrapes_over_https_with_a_token_file_and_over_mutual_tls() {
    let prometheus_binary = require_on_path("prometheus", "prometheus");
    let scratch = ScratchDir::new("e2e-tls");
    let servers = Authority::new(&scratch, "servers");
    let clients = Authority::new(&scratch, "clients");
    let strangers = Authority::new(&scratch, "strangers");
    let server = servers.server(&scratch, "pipeline");
    let prometheus_client = clients.client(&scratch, "prometheus");
    let stranger = strangers.client(&scratch, "stranger");
    let token_file = scratch.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let wrong_token_file = scratch.join("wrong-token");
    std::fs::write(&wrong_token_file, "not-the-token").unwrap();

    let https_env = [
        ("METRICS_TLS_CERT_FILE", server.cert_file.as_path()),
        ("METRICS_TLS_KEY_FILE", server.key_file.as_path()),
        ("METRICS_AUTH_TOKEN_FILE", token_file.as_path()),
    ];
    let (https, _https_process) = start_https(
        &scratch,
        "pipeline-https",
        &https_env,
        &servers.ca_file,
        None,
    );
    let mtls_env = [
        ("METRICS_TLS_CERT_FILE", server.cert_file.as_path()),
        ("METRICS_TLS_KEY_FILE", server.key_file.as_path()),
        ("METRICS_TLS_CLIENT_CA_FILE", clients.ca_file.as_path()),
    ];
    let (mtls, _mtls_process) = start_https(
        &scratch,
        "pipeline-mtls",
        &mtls_env,
        &servers.ca_file,
        Some(&prometheus_client),
    );

    // By hand first, as the README's curl commands do.
    let bearer = format!("Bearer {TOKEN}");
    let response = tls::get(
        https,
        "/metrics",
        &servers.ca_file,
        None,
        &[("Authorization", &bearer)],
    )
    .unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.text().unwrap().contains(FAMILY), "{response:?}");
    let response = tls::get(https, "/metrics", &servers.ca_file, None, &[]).unwrap();
    assert_eq!(response.status, 401, "no token: {response:?}");
    let plain = support::http::get(https, "/metrics");
    assert!(
        plain.as_ref().is_err() || plain.as_ref().is_ok_and(|response| response.status != 200),
        "plain HTTP got metrics from the HTTPS listener: {plain:?}"
    );
    let response = tls::get(
        mtls,
        "/metrics",
        &servers.ca_file,
        Some(&prometheus_client),
        &[],
    )
    .unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    for (who, client) in [
        ("no client certificate", None),
        ("a stranger's", Some(&stranger)),
    ] {
        let answer = tls::get(mtls, "/metrics", &servers.ca_file, client, &[]);
        assert!(answer.is_err(), "mutual TLS with {who} answered {answer:?}");
    }

    // Then a real Prometheus, one job per case.
    let ca = servers.ca_file.display();
    // `client` goes under tls_config, `auth` on the job.
    let job = |job: &str, target: SocketAddr, client: &str, auth: &str| {
        format!(
            "  - job_name: {job}\n    scheme: https\n    tls_config:\n      ca_file: {ca}\n{client}\
             {auth}    static_configs:\n      - targets: ['{target}']\n"
        )
    };
    let credentials = |file: &Path| {
        format!(
            "    authorization:\n      credentials_file: {}\n",
            file.display()
        )
    };
    let client_cert = format!(
        "      cert_file: {}\n      key_file: {}\n",
        prometheus_client.cert_file.display(),
        prometheus_client.key_file.display()
    );
    let yaml = [
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n".to_owned(),
        job("https_token", https, "", &credentials(&token_file)),
        job(
            "https_wrong_token",
            https,
            "",
            &credentials(&wrong_token_file),
        ),
        job("https_no_token", https, "", ""),
        job("mtls", mtls, &client_cert, ""),
        job("mtls_no_cert", mtls, "", ""),
    ]
    .concat();
    let config = scratch.join("prometheus.yml");
    std::fs::write(&config, yaml).unwrap();
    let (prometheus_addr, mut prometheus_process) =
        prometheus::start(&prometheus_binary, &scratch, &config);

    let targets = poll(Duration::from_secs(60), Duration::from_millis(250), || {
        let answer = prometheus::api(prometheus_addr, "/api/v1/targets")?;
        let targets = scraped_targets(&answer);
        if targets.len() == 5 {
            Ok(targets)
        } else {
            Err(format!("scraped so far: {targets:?}"))
        }
    })
    .unwrap_or_else(|error| panic!("{error}\n{}", prometheus_process.output()));

    let (health, error) = &targets["https_token"];
    assert_eq!((health.as_str(), error.as_str()), ("up", ""), "{targets:?}");
    let (health, error) = &targets["mtls"];
    assert_eq!((health.as_str(), error.as_str()), ("up", ""), "{targets:?}");
    for job in ["https_wrong_token", "https_no_token"] {
        let (health, error) = &targets[job];
        assert_eq!(health, "down", "{job}: {targets:?}");
        assert!(error.contains("401"), "{job}: {error}");
    }
    let (health, error) = &targets["mtls_no_cert"];
    assert_eq!(health, "down", "{targets:?}");
    assert!(error.contains("certificate"), "{error}");

    // Prometheus stored the scrapes: `up` and the pipeline's own series.
    let up = prometheus::api(prometheus_addr, "/api/v1/query?query=up").unwrap();
    let up: BTreeMap<String, String> = up["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|series| {
            (
                series["metric"]["job"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                series["value"][1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        up,
        [
            ("https_no_token", "0"),
            ("https_token", "1"),
            ("https_wrong_token", "0"),
            ("mtls", "1"),
            ("mtls_no_cert", "0"),
        ]
        .map(|(job, value)| (job.to_owned(), value.to_owned()))
        .into(),
    );
}

/// Each scraped target's job, health and last error.
fn scraped_targets(answer: &Value) -> BTreeMap<String, (String, String)> {
    answer["data"]["activeTargets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|target| target["health"] != "unknown")
        .map(|target| {
            let text = |key: &str| target[key].as_str().unwrap_or_default().to_owned();
            (
                target["labels"]["job"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                (text("health"), text("lastError")),
            )
        })
        .collect()
}

/// Variables and their values.
type Environment = Vec<(&'static str, String)>;

#[test]
fn bad_tls_and_token_settings_stop_the_example_naming_the_variable() {
    let scratch = ScratchDir::new("e2e-tls-invalid");
    let servers = Authority::new(&scratch, "servers");
    let server = servers.server(&scratch, "pipeline");
    let not_pem = scratch.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let token_file = scratch.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let missing = scratch.join("missing");
    let path = |path: &Path| path.display().to_string();
    let cases: Vec<(Environment, Vec<String>)> = vec![
        (
            vec![("METRICS_TLS_CERT_FILE", path(&server.cert_file))],
            vec![
                "METRICS_TLS_CERT_FILE".into(),
                "METRICS_TLS_KEY_FILE".into(),
            ],
        ),
        (
            vec![
                ("METRICS_TLS_CERT_FILE", path(&not_pem)),
                ("METRICS_TLS_KEY_FILE", path(&server.key_file)),
            ],
            vec!["METRICS_TLS_CERT_FILE".into(), path(&not_pem)],
        ),
        (
            vec![
                ("METRICS_TLS_CERT_FILE", path(&server.cert_file)),
                ("METRICS_TLS_KEY_FILE", path(&not_pem)),
            ],
            vec!["METRICS_TLS_KEY_FILE".into()],
        ),
        (
            vec![("METRICS_TLS_CLIENT_CA_FILE", path(&servers.ca_file))],
            vec![
                "METRICS_TLS_CLIENT_CA_FILE".into(),
                "METRICS_TLS_CERT_FILE".into(),
            ],
        ),
        (
            vec![
                ("METRICS_TLS_CERT_FILE", path(&server.cert_file)),
                ("METRICS_TLS_KEY_FILE", path(&server.key_file)),
                ("METRICS_TLS_CLIENT_CA_FILE", path(&missing)),
            ],
            vec!["METRICS_TLS_CLIENT_CA_FILE".into(), path(&missing)],
        ),
        (
            vec![
                ("METRICS_AUTH_TOKEN", "another-token".into()),
                ("METRICS_AUTH_TOKEN_FILE", path(&token_file)),
            ],
            vec![
                "METRICS_AUTH_TOKEN_FILE".into(),
                "METRICS_AUTH_TOKEN".into(),
            ],
        ),
        (
            vec![("METRICS_AUTH_TOKEN_FILE", path(&missing))],
            vec!["METRICS_AUTH_TOKEN_FILE".into(), path(&missing)],
        ),
    ];
    for (index, (env, expected)) in cases.into_iter().enumerate() {
        let mut command = examples::command("pipeline");
        command.envs(env.iter().map(|(key, value)| (key, value)));
        command.env("METRICS_ADDR", "127.0.0.1:0");
        let finished = run_to_exit(
            &scratch,
            &format!("invalid-{index}"),
            command,
            Duration::from_secs(30),
        );
        assert!(!finished.status.success(), "{env:?} started: {finished:?}");
        for needle in &expected {
            assert!(
                finished.stderr.contains(needle.as_str()),
                "{env:?}: stderr does not name {needle}:\n{}",
                finished.stderr
            );
        }
        for secret in [TOKEN, "another-token"] {
            assert!(
                !finished.stderr.contains(secret),
                "{env:?}: a secret was printed:\n{}",
                finished.stderr
            );
        }
    }
}

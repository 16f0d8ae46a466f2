//! The `pipeline` binary as a user runs it: a bounded run, and the errors it exits with.

use std::net::{Ipv4Addr, TcpListener};
use std::process::{Command, Output};

/// Runs the example with only the given variables of the exporter and the example set.
fn pipeline(vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pipeline"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("METRICS_") || name.starts_with("PIPELINE_") || name == "ENABLE_METRICS"
        {
            command.env_remove(name.as_ref());
        }
    }
    command.envs(vars.iter().copied());
    command.output().expect("the pipeline example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_bounded_run_serves_metrics_and_exits_cleanly() {
    let output = pipeline(&[
        ("METRICS_ADDR", "127.0.0.1:0"),
        ("PIPELINE_ITERATIONS", "3"),
        ("PIPELINE_FAILURE_RATE", "0"),
        ("PIPELINE_PANIC_RATE", "0"),
    ]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("serving metrics at http://127.0.0.1:") && first.ends_with("/metrics"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pipeline: 3 runs, 3 ok, 0 failed"),
        "{stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn disabled_metrics_say_so() {
    let output = pipeline(&[
        ("ENABLE_METRICS", "false"),
        ("PIPELINE_ITERATIONS", "1"),
        ("PIPELINE_FAILURE_RATE", "0"),
        ("PIPELINE_PANIC_RATE", "0"),
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}\n{stdout}", output.status);
    assert!(
        stdout.starts_with("metrics are disabled (ENABLE_METRICS)"),
        "{stdout}"
    );
}

#[test]
fn an_invalid_knob_exits_with_its_name_and_value() {
    let output = pipeline(&[
        ("METRICS_ADDR", "127.0.0.1:0"),
        ("PIPELINE_FAILURE_RATE", "lots"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "pipeline: invalid value \"lots\" for PIPELINE_FAILURE_RATE: expected a number from 0 to 1, such as 0.05\n"
    );
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
}

#[test]
fn an_invalid_metrics_addr_exits_with_its_name_and_value() {
    let output = pipeline(&[("METRICS_ADDR", "nine thousand")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("pipeline: cannot serve metrics: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("METRICS_ADDR") && stderr.contains("nine thousand"),
        "{stderr}"
    );
}

#[test]
fn a_busy_port_exits_with_the_address() {
    let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    let addr = busy.local_addr().expect("its address").to_string();
    let output = pipeline(&[("METRICS_ADDR", &addr), ("PIPELINE_ITERATIONS", "1")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("pipeline: cannot serve metrics: ") && stderr.contains(&addr),
        "{stderr}"
    );
}

//! Reads the outputs of the bench binaries (files named on the command line, one run of one
//! binary each, several runs of a binary allowed), prints every benchmark's median over the runs
//! next to the floor, then the summary line last.
//!
//! Usage: `bench-summary <divan output>...`

use std::process::ExitCode;

use instrument_metrics_benches::report::{self, Summary, keys};

fn main() -> ExitCode {
    let mut medians = Vec::new();
    let mut allocations = Vec::new();
    for path in std::env::args().skip(1) {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut run = report::parse_divan(&text);
                report::add_overheads(&mut run);
                medians.push(run);
                allocations.push(report::parse_allocations(&text));
            }
            Err(error) => {
                eprintln!("bench-summary: cannot read {path}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let runs = report::collect_runs(&medians);
    let medians = report::median_of_runs(&runs);
    let allocations = report::max_allocations(&allocations);

    let floor = medians.get(keys::FLOOR).copied();
    println!(
        "{:<40} {:>12} {:>8}   each run (ns)",
        "median of runs (ns per call)", "ns", "x floor"
    );
    for (name, median) in &medians {
        let ratio = floor.map_or_else(String::new, |floor| format!("{:.3}", median / floor));
        let each: Vec<String> = runs[name].iter().map(|run| format!("{run:.1}")).collect();
        println!("{name:<40} {median:>12.1} {ratio:>8}   {}", each.join(" "));
    }
    println!();
    println!(
        "{:<40} {:>12}",
        "allocations per call (most of any run)", "allocs"
    );
    for (name, per_call) in &allocations {
        println!("{name:<40} {per_call:>12.5}");
    }
    let http = |binary: &str| allocations.get(&format!("{binary}/request")).copied();
    if let Some(none) = http("http_none") {
        for layer in ["http_axum_prometheus", "http_ours", "http_identity"] {
            if let Some(with) = http(layer) {
                println!(
                    "{:<40} {:>12.5}",
                    format!("{layer}: added by the layer"),
                    with - none
                );
            }
        }
    }
    println!();

    match Summary::compute(&medians, &allocations) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(missing) => {
            eprintln!("bench-summary: {missing}");
            ExitCode::FAILURE
        }
    }
}

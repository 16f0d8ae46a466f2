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
                report::add_derived(&mut run);
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
    for layer in keys::HTTP_LAYERS {
        let request = |variant: &str| allocations.get(&format!("{layer}/{variant}")).copied();
        if let (Some(with), Some(without)) = (request("request"), request("request_none")) {
            println!(
                "{:<40} {:>12.5}",
                format!("{layer}: added by the layer"),
                with - without
            );
        }
    }
    println!();
    // The summary line has one thread; the target holds at two as well.
    for threads in [1, 2] {
        let overhead = |binary| medians.get(&keys::http_overhead(binary, threads)).copied();
        if let (Some(ours), Some(theirs)) = (
            overhead(keys::HTTP_OURS),
            overhead(keys::HTTP_AXUM_PROMETHEUS),
        ) {
            println!(
                "http layer added, {threads} thread(s): ours {ours:.1} ns, axum-prometheus \
                 {theirs:.1} ns, ratio {:.3}",
                ours / theirs
            );
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

//! Reads the outputs of the bench binaries (files named on the command line), prints every
//! median next to the floor, then the summary line last.
//!
//! Usage: `bench-summary <divan output>...`

use std::process::ExitCode;

use instrument_metrics_benches::report::{self, Summary, keys};

fn main() -> ExitCode {
    let mut text = String::new();
    for path in std::env::args().skip(1) {
        match std::fs::read_to_string(&path) {
            Ok(contents) => {
                text.push_str(&contents);
                text.push('\n');
            }
            Err(error) => {
                eprintln!("bench-summary: cannot read {path}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let medians = report::parse_divan(&text);
    let allocations = report::parse_allocations(&text);

    let floor = medians.get(keys::FLOOR).copied();
    println!("{:<48} {:>12} {:>9}", "median per call", "ns", "x floor");
    for (name, median) in &medians {
        let ratio = floor.map_or_else(String::new, |floor| format!("{:.3}", median / floor));
        println!("{name:<48} {median:>12.1} {ratio:>9}");
    }
    println!();
    println!("{:<48} {:>12}", "allocations per call", "allocs");
    for (name, per_call) in &allocations {
        println!("{name:<48} {per_call:>12.5}");
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

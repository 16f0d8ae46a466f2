//! An application using an instrumented library (`examples/library`, built with
//! `default-features = false`): the library only records; this application decides that the
//! metrics go to Prometheus, by calling `instrument_metrics::install()`.
//!
//! ```sh
//! cargo run -p instrument-metrics-examples --bin library_app
//! curl localhost:9000/metrics | grep inventory_operations
//! ```
//!
//! `LIBRARY_APP_ROUNDS` bounds the number of rounds (default: run until stopped).

use std::process::ExitCode;
use std::time::Duration;

use instrument_metrics_example_library::{Inventory, Warehouse};

fn main() -> ExitCode {
    let exporter = match instrument_metrics::install() {
        Ok(exporter) => exporter,
        Err(error) => {
            eprintln!("library_app: {error}");
            return ExitCode::FAILURE;
        }
    };
    match exporter.local_addr() {
        Some(addr) => println!("serving metrics at http://{addr}/metrics"),
        None => println!("metrics are disabled"),
    }
    let rounds = match std::env::var("LIBRARY_APP_ROUNDS")
        .ok()
        .map(|rounds| rounds.parse::<u64>())
    {
        None => u64::MAX,
        Some(Ok(rounds)) => rounds,
        Some(Err(_)) => {
            eprintln!("library_app: LIBRARY_APP_ROUNDS must be a whole number");
            return ExitCode::FAILURE;
        }
    };
    let mut main = Inventory::new(Warehouse::Main);
    let mut overflow = Inventory::new(Warehouse::Overflow);
    for round in 0..rounds {
        main.restock("bolt", 5);
        overflow.restock("nut", 1);
        // Every third round asks for more than there is; every fifth for an unknown item.
        let wanted = if round % 3 == 0 { 50 } else { 3 };
        let _ = main.reserve("bolt", wanted);
        let _ = overflow.reserve(if round % 5 == 0 { "washer" } else { "nut" }, 1);
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("done after {rounds} rounds");
    ExitCode::SUCCESS
}

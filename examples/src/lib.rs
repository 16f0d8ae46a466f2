//! Pieces shared by the runnable examples of `instrument-metrics`: a small random number
//! generator for timing jitter and injected faults, and the examples' environment knobs.
//!
//! The examples themselves are the binaries under `src/bin/`; run one with
//! `cargo run -p instrument-metrics-examples --bin pipeline` and scrape
//! `http://localhost:9000/metrics`.

pub mod knobs;
pub mod rng;

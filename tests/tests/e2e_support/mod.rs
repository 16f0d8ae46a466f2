//! Helpers of the end-to-end tests of configuration, push mode, escaping and embedding: the
//! example binaries run as child processes, an HTTP client that sends any method and headers and
//! keeps the body as bytes (for gzip), and the independent tools that check our output
//! (`promtool`, the Python `prometheus-client` parser).
//!
//! The child-process, scratch-directory and exposition helpers of `support/` are reused as they
//! are. Each test binary that needs these declares `mod e2e_support;` and uses a part of them.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

#[path = "../support/exposition.rs"]
pub mod exposition;
#[path = "../support/process.rs"]
pub mod process;
#[path = "../support/scratch.rs"]
pub mod scratch;

pub mod examples;
pub mod http;
pub mod tools;

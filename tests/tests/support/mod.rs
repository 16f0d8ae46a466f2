//! Helpers for tests that run real processes: an HTTP client, a parser of the Prometheus text
//! format, child processes that die with the test, and scratch directories.
//!
//! Each integration test that needs them declares `mod support;`.

pub mod exposition;
pub mod http;
pub mod process;
pub mod scratch;

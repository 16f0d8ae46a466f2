//! Helpers of the integration tests, one job a module: reading the exposition and a debugging
//! recorder, an HTTP client, child processes and the example binaries, the tools that check our
//! output, scratch directories, crates outside the repository, and the generated dashboards.
//!
//! Each integration test that needs them declares `mod support;` and uses what it needs. Nothing
//! here is instrumented: an instrumented function would add its series to every test binary.

// Each integration test is its own crate and uses a different subset of these helpers.
#![allow(dead_code)]

pub mod calls;
pub mod dashboards;
pub mod examples;
pub mod exposition;
pub mod http;
pub mod outside;
pub mod process;
pub mod prometheus;
pub mod promql;
pub mod recorded;
pub mod redis;
pub mod rules;
pub mod scratch;
pub mod threads;
pub mod tls;
pub mod tools;
pub mod wire;

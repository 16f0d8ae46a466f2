//! Bodies whose tail expression is inferred from the return type (`.collect()`, `.into()`,
//! `Default::default()`, `?` conversions) still infer it.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::collections::{BTreeSet, HashMap};

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn collect_vec(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[instrument_metrics]
fn collect_map(keys: &[&'static str]) -> HashMap<&'static str, usize> {
    keys.iter().map(|key| (*key, key.len())).collect()
}

#[instrument_metrics]
fn collect_result(values: &[&str]) -> Result<BTreeSet<u32>, std::num::ParseIntError> {
    values.iter().map(|value| value.parse()).collect()
}

#[instrument_metrics]
fn into_string(value: &str) -> String {
    value.into()
}

#[instrument_metrics]
fn into_boxed(value: u32) -> Box<dyn std::error::Error + Send + Sync> {
    format!("error {value}").into()
}

#[instrument_metrics]
fn default_value() -> (u32, String) {
    Default::default()
}

#[instrument_metrics]
fn question_mark_converts(value: &str) -> Result<u32, Box<dyn std::error::Error>> {
    let parsed: u32 = value.parse()?;
    Ok(parsed)
}

#[instrument_metrics]
async fn async_collect(n: u32) -> Vec<String> {
    (0..n).map(|i| i.to_string()).collect()
}

#[instrument_metrics]
async fn async_into(value: u8) -> u64 {
    value.into()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(collect_vec(3), [0, 1, 2]);
    assert_eq!(collect_map(&["ab"])["ab"], 2);
    assert_eq!(collect_result(&["2", "1"]).unwrap().len(), 2);
    assert!(collect_result(&["x"]).is_err());
    assert_eq!(into_string("a"), "a");
    assert_eq!(into_boxed(1).to_string(), "error 1");
    assert_eq!(default_value(), (0, String::new()));
    assert!(question_mark_converts("x").is_err());
    assert_eq!(runtime.block_on(async_collect(2)), ["0", "1"]);
    assert_eq!(runtime.block_on(async_into(2)), 2);
}

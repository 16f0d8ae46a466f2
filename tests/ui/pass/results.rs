//! Every spelling of `Result` as a return type, with early `return` and `?`.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::fmt;
use std::io;

use instrument_metrics::instrument_metrics;

#[derive(Debug)]
struct MyError;

type MyResult<T> = Result<T, MyError>;

#[instrument_metrics]
fn io_result(path: &str) -> io::Result<usize> {
    if path.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "empty path"));
    }
    Ok(path.len())
}

#[instrument_metrics]
fn fmt_result(out: &mut String) -> fmt::Result {
    use fmt::Write;
    write!(out, "x")?;
    Ok(())
}

#[instrument_metrics]
fn anyhow_result(value: &str) -> anyhow::Result<u32> {
    let parsed = value.parse::<u32>()?;
    anyhow::ensure!(parsed > 0, "zero");
    Ok(parsed)
}

#[instrument_metrics]
fn alias_result(value: u32) -> MyResult<u32> {
    if value == 0 {
        return Err(MyError);
    }
    Ok(value)
}

#[instrument_metrics]
fn plain_result(value: u32) -> Result<u32, MyError> {
    let checked = alias_result(value)?;
    Ok(checked)
}

#[instrument_metrics]
fn early_return(value: Option<u32>) -> u32 {
    let Some(value) = value else { return 0 };
    value + 1
}

#[instrument_metrics]
fn option_question_mark(value: Option<u32>) -> Option<u32> {
    Some(value? + 1)
}

#[instrument_metrics]
async fn async_io_result(path: &str) -> io::Result<usize> {
    let length = io_result(path)?;
    Ok(length)
}

#[instrument_metrics]
async fn async_anyhow(value: &str) -> anyhow::Result<u32> {
    if value.is_empty() {
        return Ok(0);
    }
    Ok(anyhow_result(value)?)
}

#[instrument_metrics]
async fn async_alias(value: u32) -> MyResult<()> {
    alias_result(value)?;
    Ok(())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(io_result("ab").unwrap(), 2);
    assert!(io_result("").is_err());
    let mut out = String::new();
    assert!(fmt_result(&mut out).is_ok());
    assert_eq!(anyhow_result("3").unwrap(), 3);
    assert!(anyhow_result("0").is_err());
    assert!(alias_result(0).is_err());
    assert!(plain_result(1).is_ok());
    assert_eq!(early_return(None), 0);
    assert_eq!(option_question_mark(Some(1)), Some(2));
    assert!(runtime.block_on(async_io_result("")).is_err());
    assert_eq!(runtime.block_on(async_anyhow("")).unwrap(), 0);
    assert!(runtime.block_on(async_anyhow("x")).is_err());
    assert!(runtime.block_on(async_alias(1)).is_ok());
}

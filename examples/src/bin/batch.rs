//! A batch job that pushes its metrics to a Prometheus Pushgateway, observed with
//! `#[instrument_metrics]`.
//!
//! The job exports a night's invoices: for each one it fetches the invoice (`async`, simulated
//! database I/O), validates it (a plain `fn`), and uploads it to the archive (`async`, simulated
//! object storage). `export` is the whole job. All four are instrumented. Every 25th invoice
//! lacks a VAT number and is rejected by `validate` (`result="error"`), so a run of N invoices
//! always ends with the same counts: `fetch_invoice` N calls, `validate` N (N/25 of them errors),
//! `upload` N - N/25, `export` 1.
//!
//! A job like this ends before any Prometheus would scrape it, so it pushes instead: with
//! `METRICS_PUSH_GATEWAY` set, the exporter pushes every `METRICS_PUSH_INTERVAL` and once more
//! in [`Exporter::shutdown`](instrument_metrics::Exporter::shutdown) at the end, so the last
//! counts reach the gateway. If that final push fails, the job exits non-zero: its work is done,
//! but nobody will see that it was.
//!
//! ```text
//! prometheus-pushgateway --web.listen-address=127.0.0.1:9091 &
//! METRICS_PUSH_GATEWAY=http://127.0.0.1:9091 cargo run -p instrument-metrics-examples --bin batch
//! curl -s 127.0.0.1:9091/metrics | grep 'job="batch"'
//! ```
//!
//! Environment, all optional:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `METRICS_PUSH_GATEWAY` | the Pushgateway, e.g. `http://127.0.0.1:9091` | none: serve `METRICS_ADDR` while running, print the metrics at the end |
//! | `METRICS_PUSH_INTERVAL`, `METRICS_PUSH_JOB` | push period and `job` label | `10s`, `batch` |
//! | other `METRICS_*`, `ENABLE_METRICS` | read by `instrument_metrics::Builder::from_env()` | see `instrument_metrics::guide::configuration` |
//! | `BATCH_ITEMS` | how many invoices to export | `200` |

use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

use instrument_metrics::instrument_metrics;
use instrument_metrics_examples::knobs::{self, KnobError};

/// Invoices exported when `BATCH_ITEMS` is not set.
const DEFAULT_ITEMS: u64 = 200;

/// Every invoice whose number is a multiple of this lacks a VAT number.
const REJECT_EVERY: u64 = 25;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("batch: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BatchError> {
    let items = knobs::count("BATCH_ITEMS")?.unwrap_or(DEFAULT_ITEMS);
    let exporter = instrument_metrics::Builder::from_env()?
        .build_info(instrument_metrics::build_info!())
        .install()?;
    let pushing = exporter.is_enabled() && exporter.local_addr().is_none();
    match exporter.local_addr() {
        Some(addr) => {
            println!("batch: no METRICS_PUSH_GATEWAY; serving http://{addr}/metrics while it runs")
        }
        None if pushing => println!("batch: pushing metrics to METRICS_PUSH_GATEWAY"),
        None => println!("batch: metrics are disabled (ENABLE_METRICS)"),
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(BatchError::Runtime)?;
    let summary = runtime.block_on(export(items));
    println!("{summary}");
    if !pushing && exporter.is_enabled() {
        // Nothing scraped a job this short: show what it recorded.
        print!("{}", exporter.render());
    }
    // The final push: without it, everything since the last periodic push would be lost.
    exporter.shutdown().map_err(BatchError::FinalPush)
}

/// The whole job: every invoice, one after the other.
#[instrument_metrics]
async fn export(items: u64) -> Summary {
    let mut summary = Summary::default();
    for number in 1..=items {
        let invoice = fetch_invoice(number).await;
        match validate(&invoice) {
            Ok(()) => {
                upload(&invoice).await;
                summary.uploaded += 1;
            }
            Err(rejected) => {
                eprintln!("batch: {rejected}");
                summary.rejected += 1;
            }
        }
    }
    summary
}

/// Reads an invoice from the (simulated) billing database.
#[instrument_metrics]
async fn fetch_invoice(number: u64) -> Invoice {
    tokio::time::sleep(Duration::from_micros(300)).await;
    Invoice {
        number,
        cents: 1_000 + number * 37 % 90_000,
        vat_number: (!number.is_multiple_of(REJECT_EVERY)).then(|| format!("EU{number:09}")),
    }
}

/// Checks that an invoice can be archived.
#[instrument_metrics]
fn validate(invoice: &Invoice) -> Result<(), Rejected> {
    if invoice.vat_number.is_none() {
        return Err(Rejected {
            number: invoice.number,
            reason: "no VAT number",
        });
    }
    Ok(())
}

/// Writes an invoice to the (simulated) archive.
#[instrument_metrics]
async fn upload(invoice: &Invoice) {
    // Larger invoices take a little longer, as larger PDFs would.
    let micros = 200 + invoice.cents % 500;
    tokio::time::sleep(Duration::from_micros(micros)).await;
}

/// One invoice of the night's run.
struct Invoice {
    number: u64,
    cents: u64,
    vat_number: Option<String>,
}

/// An invoice `validate` refused.
#[derive(Debug)]
struct Rejected {
    number: u64,
    reason: &'static str,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invoice {} rejected: {}", self.number, self.reason)
    }
}

impl std::error::Error for Rejected {}

/// What the job did.
#[derive(Debug, Default)]
struct Summary {
    uploaded: u64,
    rejected: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "batch: exported {} invoices: {} uploaded, {} rejected",
            self.uploaded + self.rejected,
            self.uploaded,
            self.rejected
        )
    }
}

/// Why the job failed.
#[derive(Debug)]
enum BatchError {
    Knob(KnobError),
    Metrics(instrument_metrics::Error),
    Runtime(std::io::Error),
    FinalPush(instrument_metrics::Error),
}

impl From<KnobError> for BatchError {
    fn from(error: KnobError) -> Self {
        BatchError::Knob(error)
    }
}

impl From<instrument_metrics::Error> for BatchError {
    fn from(error: instrument_metrics::Error) -> Self {
        BatchError::Metrics(error)
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Knob(error) => error.fmt(f),
            BatchError::Metrics(error) => write!(f, "cannot set up metrics: {error}"),
            BatchError::Runtime(error) => write!(f, "cannot start the Tokio runtime: {error}"),
            BatchError::FinalPush(error) => {
                write!(f, "the job finished but its metrics were lost: {error}")
            }
        }
    }
}

impl std::error::Error for BatchError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_25th_invoice_is_rejected() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let summary = runtime.block_on(export(60));
        assert_eq!((summary.uploaded, summary.rejected), (58, 2));
    }
}

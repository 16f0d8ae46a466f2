//! `#[instrument_metrics(args)]` on impl blocks, inherent and trait impls: every method
//! instrumented with the block's arguments, a method's own arguments overriding them (labels by
//! name), `#[instrument_metrics(skip)]` opting a method out, `const fn`s left alone, argument
//! labels using a method's parameters.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(Clone, Copy, MetricLabel)]
enum Table {
    Orders,
    Customers,
}

#[derive(Debug, MetricLabel)]
enum WriteError {
    Conflict,
    Full,
}

struct Warehouse {
    rows: usize,
}

#[instrument_metrics(
    name = "warehouse",
    labels(pipeline = "ingest", stage = "load"),
    buckets = [0.01, 0.1],
)]
impl Warehouse {
    /// `const fn`s in an instrumented block are left as they are.
    const fn capacity() -> usize {
        100
    }

    fn new() -> Self {
        Warehouse { rows: 0 }
    }

    /// Overrides one label, adds an argument label, drops the gauge.
    #[instrument_metrics(labels(stage = "write", table), in_flight = false)]
    fn write(&mut self, table: Table, rows: usize) -> Result<usize, WriteError> {
        if rows == 0 {
            return Err(WriteError::Conflict);
        }
        if self.rows + rows > Self::capacity() {
            return Err(WriteError::Full);
        }
        self.rows += rows;
        Ok(self.rows)
    }

    /// Another family for this method only.
    #[instrument_metrics(name = "warehouse_reads")]
    fn rows(&self) -> usize {
        self.rows
    }

    /// A bare attribute keeps the block's arguments.
    #[instrument_metrics]
    async fn flush(&mut self) -> std::io::Result<usize> {
        Ok(std::mem::take(&mut self.rows))
    }

    #[instrument_metrics(skip)]
    fn helper(&self) -> bool {
        self.rows > 0
    }
}

trait Stage {
    fn run(&self, input: u32) -> Result<u32, WriteError>;
    fn describe(&self) -> &'static str;
}

struct Extract;

#[instrument_metrics(name = "pipeline_stage", labels(stage = "extract"))]
impl Stage for Extract {
    fn run(&self, input: u32) -> Result<u32, WriteError> {
        input.checked_mul(2).ok_or(WriteError::Full)
    }

    #[instrument_metrics(skip)]
    fn describe(&self) -> &'static str {
        "extract"
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut warehouse = Warehouse::new();
    assert_eq!(warehouse.write(Table::Orders, 3).unwrap(), 3);
    assert!(warehouse.write(Table::Customers, 0).is_err());
    assert!(warehouse.write(Table::Customers, 500).is_err());
    assert_eq!(warehouse.rows(), 3);
    assert!(warehouse.helper());
    assert_eq!(runtime.block_on(warehouse.flush()).unwrap(), 3);
    assert_eq!(Warehouse::capacity(), 100);
    assert_eq!(Extract.run(2).unwrap(), 4);
    assert_eq!(Extract.describe(), "extract");
}

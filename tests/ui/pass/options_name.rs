//! `name = "..."`: the families become `<name>_total`, `<name>_duration_seconds` and
//! `<name>_in_flight`, on free functions, `async fn`s and methods alike.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

#[instrument_metrics(name = "pipeline_stage")]
fn extract(rows: &[u32]) -> Vec<u32> {
    rows.to_vec()
}

#[instrument_metrics(name = "pipeline_stage")]
async fn load(rows: Vec<u32>) -> std::io::Result<usize> {
    Ok(rows.len())
}

/// Leading underscores and digits after the first character are valid names.
#[instrument_metrics(name = "_private2")]
fn private() -> u8 {
    2
}

struct Warehouse;

impl Warehouse {
    #[instrument_metrics(name = "warehouse_writes")]
    fn write(&self, rows: usize) -> Result<usize, String> {
        if rows == 0 {
            Err("nothing to write".to_owned())
        } else {
            Ok(rows)
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(extract(&[1, 2]), [1, 2]);
    assert_eq!(runtime.block_on(load(vec![1, 2, 3])).unwrap(), 3);
    assert_eq!(private(), 2);
    assert_eq!(Warehouse.write(4), Ok(4));
    assert!(Warehouse.write(0).is_err());
}

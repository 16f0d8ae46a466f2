//! `crate = path` with the other options, and `#[metric_label(crate = path)]` on a derive, for
//! code that reaches the runtime only through a re-export.
#![deny(warnings)]
#![deny(unused_qualifications)]

pub mod reexport {
    pub use instrument_metrics as im;
}

#[derive(Debug, PartialEq, reexport::im::MetricLabel)]
#[metric_label(crate = reexport::im)]
enum Tier {
    Hot,
    Cold,
}

#[reexport::im::instrument_metrics(
    crate = reexport::im,
    name = "storage_reads",
    labels(store = "blob", tier = tier),
    buckets = [0.01, 0.1],
    in_flight = false
)]
fn read(tier: Tier) -> Result<u8, Tier> {
    match tier {
        Tier::Hot => Ok(1),
        Tier::Cold => Err(Tier::Cold),
    }
}

struct Store;

#[reexport::im::instrument_metrics(crate = crate::reexport::im, labels(store = "blob"))]
impl Store {
    fn get(&self, tier: Tier) -> u8 {
        tier as u8
    }
}

fn main() {
    assert_eq!(read(Tier::Hot), Ok(1));
    assert!(read(Tier::Cold).is_err());
    assert_eq!(Store.get(Tier::Cold), 1);
}

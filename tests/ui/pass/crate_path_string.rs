//! `crate = "path"`, the string form serde and tokio take, next to `crate = path`, for the
//! attribute and for `#[metric_label(crate = ..)]` on a derive.
#![deny(warnings)]
#![deny(unused_qualifications)]

pub mod reexport {
    pub use instrument_metrics as im;
}

#[derive(Debug, PartialEq, reexport::im::MetricLabel)]
#[metric_label(crate = "reexport::im")]
enum Tier {
    Hot,
    Cold,
}

#[derive(Debug, PartialEq, reexport::im::MetricLabel)]
#[metric_label(crate = reexport::im)]
enum Region {
    North,
}

#[reexport::im::instrument_metrics(crate = "reexport::im", labels(tier))]
fn read(tier: Tier) -> Result<u8, Region> {
    match tier {
        Tier::Hot => Ok(1),
        Tier::Cold => Err(Region::North),
    }
}

#[reexport::im::instrument_metrics(crate = reexport::im, labels(region))]
async fn write(region: Region) -> u8 {
    region as u8
}

struct Store;

#[reexport::im::instrument_metrics(crate = "::instrument_metrics")]
impl Store {
    fn get(&self) -> u8 {
        2
    }

    #[reexport::im::instrument_metrics(crate = "crate::reexport::im")]
    fn put(&self) -> u8 {
        3
    }
}

fn main() {
    assert_eq!(read(Tier::Hot), Ok(1));
    assert_eq!(read(Tier::Cold), Err(Region::North));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(write(Region::North)), 0);
    assert_eq!(Store.get() + Store.put(), 5);
}

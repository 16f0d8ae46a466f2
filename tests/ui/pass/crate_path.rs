//! `crate = path` for code that reaches the runtime through a re-export.
#![deny(warnings)]
#![deny(unused_qualifications)]

pub mod reexport {
    pub use instrument_metrics as im;
}

use reexport::im;

#[im::instrument_metrics(crate = crate::reexport::im)]
fn through_reexport(x: u32) -> u32 {
    x + 1
}

#[im::instrument_metrics(crate = im)]
async fn through_use(x: u32) -> u32 {
    x + 2
}

struct Thing;

#[im::instrument_metrics(crate = ::instrument_metrics)]
impl Thing {
    fn method(&self) -> u32 {
        3
    }
}

fn main() {
    assert_eq!(through_reexport(1), 2);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(through_use(1)), 3);
    assert_eq!(Thing.method(), 3);
}

//! Raw identifiers as function, argument and type names.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn r#match(r#type: u32) -> u32 {
    r#type + 1
}

#[instrument_metrics]
async fn r#async(r#in: &str) -> usize {
    r#in.len()
}

#[allow(non_camel_case_types)]
struct r#struct;

impl r#struct {
    #[instrument_metrics]
    fn r#fn(&self, r#ref: u8) -> u8 {
        r#ref
    }
}

fn main() {
    assert_eq!(r#match(1), 2);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(r#async("ab")), 2);
    assert_eq!(r#struct.r#fn(3), 3);
}

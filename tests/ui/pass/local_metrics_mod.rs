//! A crate with its own `mod metrics` and items named like the runtime's: the expansion reaches
//! the runtime only through absolute paths, so nothing is shadowed.
#![deny(warnings)]
#![deny(unused_qualifications)]
#![forbid(unsafe_code)]

mod metrics {
    pub(crate) fn counter(name: &str) -> usize {
        name.len()
    }
}

mod core {}

#[allow(dead_code)]
mod __private {}

#[allow(dead_code)]
struct CallSite;

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn uses_local_metrics(name: &str) -> usize {
    metrics::counter(name)
}

#[instrument_metrics]
async fn async_uses_local_metrics(name: &str) -> usize {
    metrics::counter(name)
}

mod no_prelude {
    #![no_implicit_prelude]

    #[::instrument_metrics::instrument_metrics]
    pub(crate) fn plain(x: u32) -> u32 {
        x
    }

    #[::instrument_metrics::instrument_metrics]
    pub(crate) fn fallible(x: u32) -> ::core::result::Result<u32, ()> {
        ::core::result::Result::Ok(x)
    }

    #[::instrument_metrics::instrument_metrics]
    pub(crate) async fn asynchronous(x: u32) -> u32 {
        x
    }
}

fn main() {
    assert_eq!(uses_local_metrics("ab"), 2);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(async_uses_local_metrics("abc")), 3);
    assert_eq!(no_prelude::plain(1), 1);
    assert_eq!(no_prelude::fallible(1), Ok(1));
    assert_eq!(runtime.block_on(no_prelude::asynchronous(1)), 1);
}

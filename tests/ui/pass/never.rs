//! A function that never returns (`-> !`): only the guard is added, which records the unwind.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::convert::Infallible;

use instrument_metrics::instrument_metrics;

/// Names `Infallible` in this crate, so a qualified `Infallible` in the expansion would be flagged
/// by `unused_qualifications` if the lint looked at generated code.
fn infallible() -> Result<u8, Infallible> {
    Ok(1)
}

#[instrument_metrics]
fn fail(message: &str) -> ! {
    panic!("{message}")
}

#[instrument_metrics]
fn serve_forever(limit: u32) -> ! {
    let mut count = 0;
    loop {
        count += 1;
        if count == limit {
            std::panic::panic_any(count);
        }
    }
}

#[instrument_metrics]
async fn async_fail(message: &str) -> ! {
    tokio::task::yield_now().await;
    panic!("{message}")
}

struct Server;

impl Server {
    #[instrument_metrics]
    fn run(&self) -> ! {
        std::panic::panic_any(0_u8)
    }
}

fn main() {
    assert_eq!(infallible(), Ok(1));
    std::panic::set_hook(Box::new(|_| {}));
    assert!(std::panic::catch_unwind(|| fail("boom")).is_err());
    assert!(std::panic::catch_unwind(|| serve_forever(3)).is_err());
    assert!(std::panic::catch_unwind(|| Server.run()).is_err());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert!(std::panic::catch_unwind(move || runtime.block_on(async_fail("boom"))).is_err());
}

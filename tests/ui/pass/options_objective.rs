//! `objective = PATH` on every shape: a free function, an `async fn`, a `-> impl Future`, an
//! impl block and its overriding method, with literal buckets holding the threshold, with a
//! path through a module, beside `crate = ..`; `last_success` alone and with each unit.

use std::future::Future;
use std::time::Duration;

use instrument_metrics::{Objective, instrument_metrics};

const CHECKOUT: Objective = Objective::new("checkout")
    .success_rate(99.9)
    .latency(Duration::from_millis(250), 99.0);

mod slo {
    pub const SEARCH: instrument_metrics::Objective =
        instrument_metrics::Objective::new("search").success_rate(99.0);
}

#[instrument_metrics(objective = CHECKOUT)]
async fn place_order(items: u32) -> Result<u32, std::io::Error> {
    Ok(items)
}

#[instrument_metrics(objective = CHECKOUT, buckets = [0.1, 0.25, 1])]
fn quote(items: u32) -> u32 {
    items
}

#[instrument_metrics(objective = slo::SEARCH, last_success = "30s")]
fn search() -> impl Future<Output = Result<u32, std::io::Error>> {
    async { Ok(1) }
}

#[instrument_metrics(objective = crate::slo::SEARCH, crate = ::instrument_metrics)]
fn suggest() -> u32 {
    1
}

#[instrument_metrics(last_success)]
fn heartbeat() {}

#[instrument_metrics(last_success = "15m")]
fn sweep_minutes() {}

#[instrument_metrics(last_success = "2h", name = "nightly")]
fn sweep_hours() {}

#[instrument_metrics(last_success = "1d", labels(kind = "full"))]
fn sweep_days() {}

struct Cart;

#[instrument_metrics(objective = CHECKOUT)]
impl Cart {
    fn add(&self, items: u32) -> u32 {
        items
    }

    #[instrument_metrics(objective = slo::SEARCH, last_success)]
    fn find(&self) -> Option<u32> {
        Some(1)
    }
}

fn main() {
    let _ = place_order(1);
    let _ = quote(1);
    let _ = search();
    let _ = suggest();
    heartbeat();
    sweep_minutes();
    sweep_hours();
    sweep_days();
    let _ = Cart.add(1);
    let _ = Cart.find();
}

//! The systems around the pipeline, simulated: the upstream `Source` of raw order lines, and the
//! downstream `Warehouse` the orders are loaded into.

use instrument_metrics_examples::rng::Rng;

/// The upstream system, simulated: batches of order lines, now and then a bad one.
pub(crate) struct Source {
    pub(crate) rng: Rng,
    next_id: u64,
    pub(crate) failure_rate: f64,
    panic_rate: f64,
}

/// Raw lines as the source sent them.
pub(crate) struct RawBatch {
    pub(crate) id: u64,
    pub(crate) lines: Vec<String>,
}

impl Source {
    pub(crate) fn new(rng: Rng, failure_rate: f64, panic_rate: f64) -> Source {
        Source {
            rng,
            next_id: 1,
            failure_rate,
            panic_rate,
        }
    }

    pub(crate) fn next_batch(&mut self) -> RawBatch {
        const CUSTOMERS: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli"];
        const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "CHF"];
        let id = self.next_id;
        self.next_id += 1;
        let count = self.rng.between(50, 400);
        let mut lines: Vec<String> = (0..count)
            .map(|n| {
                let customer = CUSTOMERS[self.rng.between(0, CUSTOMERS.len() as u64 - 1) as usize];
                let currency =
                    CURRENCIES[self.rng.between(0, CURRENCIES.len() as u64 - 1) as usize];
                let cents = self.rng.between(100, 50_000);
                format!(
                    "{},{customer},{}.{:02},{currency}",
                    id * 1000 + n,
                    cents / 100,
                    cents % 100
                )
            })
            .collect();
        let last = lines.len() - 1;
        if self.rng.chance(self.failure_rate) {
            lines[self.rng.between(0, last as u64) as usize] =
                format!("{},acme,12.3O,EUR", id * 1000);
        }
        if self.rng.chance(self.panic_rate) {
            lines[self.rng.between(0, last as u64) as usize] =
                format!("{},acme,10.00,SEK", id * 1000);
        }
        RawBatch { id, lines }
    }
}

/// The downstream system, simulated: it keeps the highest order id loaded, and rejects a batch
/// now and then.
pub(crate) struct Warehouse {
    pub(crate) rng: Rng,
    pub(crate) failure_rate: f64,
    pub(crate) high_water_mark: u64,
}

impl Warehouse {
    pub(crate) fn new(rng: Rng, failure_rate: f64) -> Warehouse {
        Warehouse {
            rng,
            failure_rate,
            high_water_mark: 0,
        }
    }
}

/// What one run loaded.
pub(crate) struct LoadReport {
    pub(crate) orders: usize,
    pub(crate) eur_cents: u64,
}

//! The tally of runs, and the summary line the job prints from it.

use std::fmt;

use crate::systems::LoadReport;

/// Counts of runs, for the summary the job prints.
#[derive(Default)]
pub(crate) struct Tally {
    ok: u64,
    failed: u64,
    orders: u64,
    eur_cents: u64,
}

impl Tally {
    pub(crate) fn ok(&mut self, report: &LoadReport) {
        self.ok += 1;
        self.orders += report.orders as u64;
        self.eur_cents += report.eur_cents;
    }

    pub(crate) fn failed(&mut self) {
        self.failed += 1;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pipeline: {} runs, {} ok, {} failed; loaded {} orders worth EUR {}.{:02}",
            self.ok + self.failed,
            self.ok,
            self.failed,
            self.orders,
            self.eur_cents / 100,
            self.eur_cents % 100
        )
    }
}

//! What the burn-rate rules compute, computed again in Rust for crafted traffic: the unit tests
//! expect the alerts this model says fire, and promtool checks that the PromQL agrees.
//!
//! Time is in ticks: one sample per series per tick, one evaluation per tick. A window named
//! `1h` spans 60 ticks whatever `--window-divisor` is (the tick shrinks with the window).

use crate::alerts::Tier;
use crate::objectives::nominal_seconds;

/// An objective's calls and bad calls (failed or slow), as counters sampled every tick.
pub struct Counts {
    /// Cumulative calls at ticks 0, 1, ...
    pub calls: Vec<u64>,
    pub bad: Vec<u64>,
}

impl Counts {
    /// Counters that grow by `per_tick(tick)` = (calls, bad) at every tick after 0.
    pub fn from_increments(ticks: u64, per_tick: impl Fn(u64) -> (u64, u64)) -> Counts {
        let mut counts = Counts {
            calls: vec![0],
            bad: vec![0],
        };
        for tick in 1..=ticks {
            let (calls, bad) = per_tick(tick);
            counts.calls.push(counts.calls[tick as usize - 1] + calls);
            counts.bad.push(counts.bad[tick as usize - 1] + bad);
        }
        counts
    }

    /// The share of bad calls over `window` (named) at `tick`, and how many there were. As
    /// Prometheus 2 selects a range, the window includes the sample at its start; a series that
    /// starts inside it at 0 is not extrapolated, so the increase is exact.
    pub fn over(&self, tick: u64, window: &str) -> (f64, u64) {
        let ticks = nominal_seconds(window) / 60;
        let start = tick.saturating_sub(ticks) as usize;
        let tick = tick as usize;
        let calls = self.calls[tick] - self.calls[start];
        let bad = self.bad[tick] - self.bad[start];
        let ratio = if calls == 0 {
            0.0
        } else {
            bad as f64 / calls as f64
        };
        (ratio, bad)
    }

    /// The burn rate over `window` at `tick`, for a budget of `budget`.
    pub fn burn(&self, tick: u64, window: &str, budget: f64) -> f64 {
        self.over(tick, window).0 / budget
    }

    /// Whether `tier` fires at `tick`: both windows burn faster than its factor and hold at
    /// least `min_events` bad calls. Panics when crafted traffic sits so close to a threshold
    /// that float rounding could decide it.
    pub fn fires(&self, tick: u64, tier: &Tier, budget: f64, min_events: u64) -> bool {
        [tier.long, tier.short].iter().all(|window| {
            let burn = self.burn(tick, window, budget);
            let (_, bad) = self.over(tick, window);
            assert!(
                (burn - tier.factor).abs() > 1e-6 * tier.factor,
                "crafted traffic burns {burn} over {window} at tick {tick}, on the threshold"
            );
            burn > tier.factor && bad >= min_events
        })
    }

    /// The first tick at which `tier` fires, if it does within the counts.
    pub fn first_firing(&self, tier: &Tier, budget: f64, min_events: u64) -> Option<u64> {
        (1..self.calls.len() as u64).find(|tick| self.fires(*tick, tier, budget, min_events))
    }
}

/// Cumulative values in promtool's expanding notation, each run of equal increments as one
/// `start+stepxN`.
pub fn notation(values: &[u64]) -> String {
    let mut runs = Vec::new();
    let mut index = 0;
    while index < values.len() {
        let start = values[index];
        if index + 1 == values.len() {
            runs.push(start.to_string());
            break;
        }
        let step = values[index + 1] - start;
        let mut end = index + 1;
        while end + 1 < values.len() && values[end + 1] - values[end] == step {
            end += 1;
        }
        runs.push(format!("{start}+{step}x{}", end - index));
        index = end + 1;
    }
    runs.join(" ")
}

#[cfg(test)]
mod tests {
    use super::notation;

    #[test]
    fn runs_of_equal_increments() {
        assert_eq!(notation(&[0, 5, 10, 15]), "0+5x3");
        assert_eq!(notation(&[0, 5, 10, 12, 14]), "0+5x2 12+2x1");
        assert_eq!(notation(&[0, 5, 10, 12]), "0+5x2 12");
        assert_eq!(notation(&[3, 3, 3]), "3+0x2");
    }
}

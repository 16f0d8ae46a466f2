//! A xorshift64* generator: plenty for jitter and fault injection, and no dependency.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fast, non-cryptographic pseudo-random number generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator with a fixed seed: the same seed gives the same sequence.
    pub fn seeded(seed: u64) -> Self {
        // xorshift never leaves the all-zero state, so zero is replaced by a fixed odd constant.
        Rng {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    /// A generator seeded from the clock and the process id, different on every run.
    pub fn from_clock() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        // Fold the 128-bit nanosecond count into 64 bits; the low bits change fastest.
        let seed =
            (nanos as u64) ^ ((nanos >> 64) as u64) ^ u64::from(std::process::id()).rotate_left(32);
        Rng::seeded(seed)
    }

    /// Another generator, seeded from this one, for a component that draws independently.
    pub fn split(&mut self) -> Self {
        Rng::seeded(self.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// `true` with probability `probability` (clamped to `[0, 1]`).
    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// A number in `low..=high`; `low` when the range is empty.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        match (high - low).checked_add(1) {
            Some(span) => low + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    /// A duration in `low..=high`, with microsecond resolution.
    pub fn jitter(&mut self, low: Duration, high: Duration) -> Duration {
        let micros = |duration: Duration| u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.between(micros(low), micros(high)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b) = (Rng::seeded(42), Rng::seeded(42));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
    }

    #[test]
    fn values_stay_in_range() {
        let mut rng = Rng::seeded(7);
        for _ in 0..10_000 {
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit), "{unit}");
            assert!((3..=9).contains(&rng.between(3, 9)));
            let jitter = rng.jitter(Duration::from_millis(5), Duration::from_millis(25));
            assert!(
                jitter >= Duration::from_millis(5) && jitter <= Duration::from_millis(25),
                "{jitter:?}"
            );
        }
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.between(9, 3), 9);
    }

    #[test]
    fn chance_follows_probability() {
        let mut rng = Rng::seeded(1);
        assert!(!(0..1000).any(|_| rng.chance(0.0)));
        assert!((0..1000).all(|_| rng.chance(1.0)));
        let hits = (0..100_000).filter(|_| rng.chance(0.25)).count();
        assert!((23_000..27_000).contains(&hits), "{hits}");
    }
}

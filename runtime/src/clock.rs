//! The monotonic clock: of a call's and a request's duration, and of the exemplars' sampling.
//!
//! Owns: the one clock of the crate. Imports: nothing of this crate.
//!
//! With the exporter, the clock reads `quanta`'s raw counter: the CPU's invariant time-stamp
//! counter, or the OS monotonic clock where there is none. The two reads per call are the largest
//! part of a call's cost; a raw read skips `quanta::Instant::now()`'s thread-local mock check and
//! its scaling (~18 ns a call here), and the one difference is scaled when the call ends.
//! Without the exporter, the library build keeps to std. Durations are whole nanoseconds from
//! the clock to the series, without a `Duration` in between.

#[cfg(feature = "exporter")]
mod source {
    use std::sync::OnceLock;

    /// Calibrated once per process, at the first call.
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

    fn clock() -> &'static quanta::Clock {
        CLOCK.get_or_init(quanta::Clock::new)
    }

    /// When a call or a request started: a raw reading of the clock, in counter ticks.
    #[derive(Clone, Copy)]
    pub(crate) struct Instant(u64);

    impl Instant {
        #[inline]
        pub(crate) fn now() -> Instant {
            Instant(clock().raw())
        }

        /// Nanoseconds since this reading; zero if the counter of the core now running is
        /// behind the one that took it.
        #[inline]
        pub(crate) fn elapsed_nanos(self) -> u64 {
            let clock = clock();
            clock.delta_as_nanos(self.0, clock.raw())
        }
    }
}

#[cfg(not(feature = "exporter"))]
mod source {
    /// When a call started.
    #[derive(Clone, Copy)]
    pub(crate) struct Instant(std::time::Instant);

    impl Instant {
        pub(crate) fn now() -> Instant {
            Instant(std::time::Instant::now())
        }

        /// Nanoseconds since this reading; durations past 584 years saturate.
        pub(crate) fn elapsed_nanos(self) -> u64 {
            u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
        }
    }
}

pub(crate) use source::Instant;

/// Nanoseconds since the process first asked, from the same clock: a cheap "now" for what is
/// decided per call (an exemplar's sampling, when to note a success), where
/// `std::time::Instant` or the wall clock would cost several times more.
pub(crate) fn monotonic_nanos() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed_nanos()
}

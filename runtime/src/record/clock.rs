//! The monotonic clock of a call's duration.
//!
//! With the exporter, the clock reads `quanta`'s raw counter: the CPU's invariant time-stamp
//! counter, or the OS monotonic clock where there is none. The two reads per call are the largest
//! part of a call's cost; a raw read skips `quanta::Instant::now()`'s thread-local mock check and
//! its scaling (~18 ns a call here), and the one difference is scaled when the call ends.
//! Without the exporter, the library build keeps to std.

#[cfg(feature = "exporter")]
mod counter {
    use std::sync::OnceLock;
    use std::time::Duration;

    /// Calibrated once per process, at the first call.
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

    fn clock() -> &'static quanta::Clock {
        CLOCK.get_or_init(quanta::Clock::new)
    }

    /// A raw reading of the clock, in counter ticks.
    #[derive(Clone, Copy)]
    pub(crate) struct Instant(u64);

    impl Instant {
        #[inline]
        pub(crate) fn now() -> Instant {
            Instant(clock().raw())
        }

        /// The time since this reading; zero if the counter of the core now running is behind
        /// the one that took it.
        #[inline]
        pub(crate) fn elapsed(self) -> Duration {
            let clock = clock();
            Duration::from_nanos(clock.delta_as_nanos(self.0, clock.raw()))
        }
    }
}

#[cfg(feature = "exporter")]
pub(crate) use counter::Instant;

#[cfg(not(feature = "exporter"))]
pub(crate) use std::time::Instant;

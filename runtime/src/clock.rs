//! The monotonic clock of a call's duration.
//!
//! With the exporter, `quanta` reads the CPU's invariant time-stamp counter (falling back to the
//! OS monotonic clock where there is none): the two reads per call are the largest part of a
//! call's cost, and `clock_gettime` costs several times more. Without the exporter, the library
//! build keeps to std.

#[cfg(feature = "exporter")]
pub(crate) use quanta::Instant;

#[cfg(not(feature = "exporter"))]
pub(crate) use std::time::Instant;

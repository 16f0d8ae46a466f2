//! Tests of instrument-metrics live in `tests/`; this library is empty.

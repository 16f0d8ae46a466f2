//! The guide: everything past the first example, one topic per page. Every Rust example in it
//! is a doctest, compiled and, unless it serves or binds a port, run by `cargo test --doc`.
//!
//! The [crate's front page](crate) has the minimal example and the metric families. Then:
//!
//! | page | what it covers |
//! |---|---|
//! | [`attribute`] | where `#[instrument_metrics]` goes, its options (`name`, `labels`, `buckets`, `in_flight`, `crate`, `skip`), errors as labels, impl blocks, the compile errors |
//! | [`cardinality`] | why label values must come from bounded sets; [`MetricLabel`](crate::MetricLabel), its derive and its implementations |
//! | [`zero_init`] | which series exist at 0 before the first call, and from when |
//! | [`configuration`] | the environment variables and [`Builder`](crate::Builder); `build_info` and process metrics; what the `/metrics` endpoint answers; authentication |
//! | [`exemplars`] | OpenMetrics for scrapes that ask for it; trace ids on histogram buckets from `traceparent`, OpenTelemetry or a hook; their cost |
//! | [`push`] | short-lived jobs that push to a Pushgateway instead of being scraped |
//! | [`embedding`] | `/metrics` on an axum service's own port (feature `axum`) |
//! | [`http_layer`] | the tower layer recording every HTTP request (feature `http`), its example service and what it costs in latency |
//! | [`library`] | instrumenting a library (`default-features = false`); which recorder a call records into |
//! | [`testing`] | asserting on what instrumented code records, in your own tests (feature `testing`) |
//! | [`dashboards`] | the Grafana dashboards, recording and alert rules, their generator and how they are checked |
//! | [`at_scale`] | a fleet scraped by Prometheus, Kubernetes, the Pushgateway, federation and remote write; how many series to expect |
//! | [`examples`] | the runnable examples: `pipeline`, `batch`, `http_service`, `library_app`, `http_bench`, `dashboards` |
//!
//! Pages whose examples need a cargo feature say so at the top; their examples are tested when
//! the feature is on (`cargo test -p instrument-metrics --doc --all-features` tests them all).
//!
//! The repository's `README.md` is the short version of all this, with the commands that run
//! the example and the tests.

// Each page is a markdown file, so it reads the same in a repository browser; included here so
// that rustdoc renders it and runs its examples. A page whose examples need a feature is left out
// of doctests without it (rustdoc collects doctests without `cfg(doc)`), but kept in the rendered
// docs, so readers find the feature; its links to the feature's items then have nothing to point
// at, which the page says.

#[doc = include_str!("attribute.md")]
pub mod attribute {}

#[doc = include_str!("cardinality.md")]
pub mod cardinality {}

#[doc = include_str!("zero_init.md")]
pub mod zero_init {}

#[doc = include_str!("configuration.md")]
pub mod configuration {}

// Its one link to an item of feature `opentelemetry` leads nowhere without it.
#[cfg_attr(not(feature = "opentelemetry"), allow(rustdoc::broken_intra_doc_links))]
#[doc = include_str!("exemplars.md")]
pub mod exemplars {}

#[doc = include_str!("push.md")]
pub mod push {}

#[cfg(any(doc, feature = "axum"))]
#[cfg_attr(not(feature = "axum"), allow(rustdoc::broken_intra_doc_links))]
#[doc = include_str!("embedding.md")]
#[cfg_attr(
    not(feature = "axum"),
    doc = "\n\n*Documented without feature `axum`: links to its items lead nowhere.*"
)]
pub mod embedding {}

#[cfg(any(doc, all(feature = "http", feature = "axum")))]
#[cfg_attr(
    not(all(feature = "http", feature = "axum")),
    allow(rustdoc::broken_intra_doc_links)
)]
#[doc = include_str!("http_layer.md")]
#[cfg_attr(
    not(all(feature = "http", feature = "axum")),
    doc = "\n\n*Documented without features `http` and `axum`: links to their items lead nowhere.*"
)]
pub mod http_layer {}

#[doc = include_str!("library.md")]
pub mod library {}

#[cfg(any(doc, feature = "testing"))]
#[cfg_attr(not(feature = "testing"), allow(rustdoc::broken_intra_doc_links))]
#[doc = include_str!("testing.md")]
#[cfg_attr(
    not(feature = "testing"),
    doc = "\n\n*Documented without feature `testing`: links to its items lead nowhere.*"
)]
pub mod testing {}

#[doc = include_str!("dashboards.md")]
pub mod dashboards {}

#[doc = include_str!("at_scale.md")]
pub mod at_scale {}

#[doc = include_str!("examples.md")]
pub mod examples {}

/// The README's Rust examples, compiled with the other doctests so it cannot drift.
/// (The path holds in the repository; only doctests read it.)
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct Readme;

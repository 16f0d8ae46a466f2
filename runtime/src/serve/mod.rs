//! Serving: installation ([`install`]), the [`Exporter`] it returns, what `/metrics` answers
//! ([`endpoint`], independent of the server), and the ways it leaves the process: the
//! [`listener`] on its own port (hyper on a private runtime; each [`connection`] plain or TLS,
//! their number bounded by [`connections`]), embedding in an axum router ([`embed`]), and
//! [`push`] to a Pushgateway; [`accept`] picks the format a scrape asks for; [`objectives`]
//! checks and fixes the functions' objectives; [`upkeep`] keeps the `metrics` exporter's
//! histograms bounded.
//!
//! Owns: every thread and socket of the crate. Imports: [`crate::config`] (one validated
//! `Config`), [`crate::exposition`], [`crate::record`] (to switch call sites on and off),
//! [`crate::model`] and [`crate::error`]. Nothing imports it but the crate root.

mod accept;
mod connection;
mod connections;
#[cfg(feature = "axum")]
mod embed;
mod endpoint;
mod exporter;
mod install;
mod listener;
mod objectives;
mod push;
mod until;
mod upkeep;

pub use exporter::Exporter;
pub use install::install;

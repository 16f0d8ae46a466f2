//! Configuration: every default ([`defaults`]), every environment variable ([`env`]), every
//! parser ([`parse`]), the public [`Builder`], and the one validated [`Config`] it hands to
//! installation.
//!
//! Owns: what a setting may hold and where it came from (every error names the variable or
//! setter and the value). Imports: [`crate::model`], [`crate::exposition`] (`BuildInfo`),
//! [`crate::record::settings`] (what call sites read) and [`crate::error`]; never serving.

mod builder;
mod defaults;
mod env;
mod gateway;
mod parse;
mod secret;
mod tls;
mod validated;

pub use builder::Builder;
pub use defaults::DEFAULT_BUCKETS;
pub(crate) use gateway::Gateway;
pub(crate) use parse::invalid;
pub(crate) use validated::{Config, Serving};

//! The per-call recording path, the hot path: what expanded code calls on every call.
//!
//! A [`CallSite`] (one `static` per instrumented function) resolves once per recorder to
//! [`handles`](handles::Handles) and hands out a [`Guard`] per call, which reads the
//! [`clock`](crate::clock) at both ends and records the call's outcome ([`classify`]) when it is finished or
//! dropped; [`future`] does the same across polls. [`recorder`] tells which recorder is active,
//! [`settings`] holds what `install()` fixed (prefix, exclusions), [`function_label`] derives
//! the `function` label.
//!
//! Owns: everything a call does. Imports: [`crate::model`] and [`crate::exposition`] (the
//! installed exporter's series it writes into); never serving, configuration or the HTTP layer.
//! Anything added here runs per call: justify it with a benchmark.

mod call_site;
mod classify;
mod function_label;
mod future;
mod guard;
mod handles;
mod recorder;
pub(crate) mod settings;

pub use call_site::CallSite;
pub use classify::{Classified, Classify, NotAResult, Unlabelled};
pub use future::{InBody, Instrumented};
pub use guard::Guard;
#[cfg(feature = "exporter")]
pub(crate) use recorder::learn_global;

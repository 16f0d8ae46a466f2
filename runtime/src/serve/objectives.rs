//! The objectives' part of installation: every objective checked against the buckets in force
//! before anything is installed, then what is rendered fixed once installation succeeds.

use crate::config::Config;
use crate::error::Error;
use crate::exposition::{self, OBJECTIVE_SITES};
use crate::record::settings;

/// Checks every function's objective : its latency threshold is a bucket bound, one name has one set of targets.
pub(super) fn check(config: &Config) -> Result<(), Error> {
    exposition::check_objectives(&OBJECTIVE_SITES, config.buckets())
        .map_err(|(function, detail)| Error::Objective { function, detail })
}

/// Fixes what each function renders, once installation has succeeded and exclusions are set.
pub(super) fn install(config: &Config) {
    for site in OBJECTIVE_SITES {
        site.install(config.buckets(), settings::is_excluded(site.function()));
    }
}

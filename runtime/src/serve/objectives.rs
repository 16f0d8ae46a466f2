//! The objectives' part of installation: every latency threshold checked against the buckets in
//! force before anything is installed, then what is rendered fixed once installation succeeds.

use crate::config::Config;
use crate::error::Error;
use crate::exposition::OBJECTIVE_SITES;
use crate::model::Objective;
use crate::record::settings;

/// Checks every function's objective: its latency threshold is one of the function's bucket
/// bounds (when the attribute lists no `buckets`, which the compiler checked), and an objective
/// of one name has one set of targets.
pub(super) fn check(config: &Config) -> Result<(), Error> {
    let mut declared: Vec<&'static Objective> = Vec::new();
    for site in OBJECTIVE_SITES {
        let error = |detail| Error::Objective {
            function: format!("{}::{}", site.module(), site.function()),
            detail,
        };
        site.check(config.buckets()).map_err(error)?;
        let Some(objective) = site.declared() else {
            continue;
        };
        if let Some(other) = declared
            .iter()
            .find(|other| other.name() == objective.name() && **other != objective)
        {
            return Err(error(format!(
                "objective {:?} has other targets here than elsewhere ({objective:?} and \
                 {other:?}): declare it once, as one `const`",
                objective.name()
            )));
        }
        declared.push(objective);
    }
    Ok(())
}

/// Fixes what each function renders, once installation has succeeded and exclusions are set.
pub(super) fn install(config: &Config) {
    for site in OBJECTIVE_SITES {
        site.install(config.buckets(), settings::is_excluded(site.function()));
    }
}

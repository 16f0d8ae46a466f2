//! Process-wide settings that call sites read when they resolve their handles: the name prefix
//! and the exclusion filter. `install()` sets them before its recorder becomes visible (and
//! clears them again if the installation fails); without `install()` (a library, a foreign
//! recorder) names have no prefix and nothing is excluded. Read only on the resolution path,
//! never per call.

use std::sync::{Arc, PoisonError, RwLock};

pub(crate) struct Settings {
    /// `namespace_subsystem_`, or empty.
    prefix: String,
    /// Whether a `function` label (or an HTTP route) is excluded from recording.
    excluded: Box<dyn Fn(&str) -> bool + Send + Sync>,
}

impl Settings {
    #[cfg(feature = "exporter")]
    pub(crate) fn new(
        prefix: String,
        excluded: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Settings {
        Settings {
            prefix,
            excluded: Box::new(excluded),
        }
    }
}

static SETTINGS: RwLock<Option<Arc<Settings>>> = RwLock::new(None);

#[cfg(feature = "exporter")]
pub(crate) fn set(settings: Option<Settings>) {
    *SETTINGS.write().unwrap_or_else(PoisonError::into_inner) = settings.map(Arc::new);
}

fn get() -> Option<Arc<Settings>> {
    SETTINGS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Whether `install()` set the settings.
#[cfg(feature = "http")]
pub(crate) fn installed() -> bool {
    get().is_some()
}

/// The prefix of every family name: `namespace_subsystem_`, or empty.
pub(crate) fn prefix() -> String {
    get()
        .map(|settings| settings.prefix.clone())
        .unwrap_or_default()
}

/// Whether calls of this function (or requests to this route) are not recorded.
pub(crate) fn is_excluded(name: &str) -> bool {
    get().is_some_and(|settings| (settings.excluded)(name))
}

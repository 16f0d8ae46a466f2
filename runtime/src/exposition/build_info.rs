//! The `build_info` gauge: which build of the application is running, for dashboards that
//! correlate a change in behaviour with a deploy.

/// The name, version and (optionally) commit of the application; see [`build_info!`].
///
/// [`build_info!`]: crate::build_info!
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildInfo {
    name: String,
    version: String,
    commit: Option<String>,
}

impl BuildInfo {
    /// Describes a build; [`build_info!`](crate::build_info!) fills this in from Cargo.
    pub fn new(name: &str, version: &str, commit: Option<&str>) -> Self {
        BuildInfo {
            name: name.to_owned(),
            version: version.to_owned(),
            commit: commit
                .map(str::to_owned)
                .filter(|commit| !commit.is_empty()),
        }
    }

    pub(crate) const HELP: &str = "The running build: always 1, with the build in the labels.";

    /// The labels the build sets.
    pub(crate) const LABELS: [&str; 3] = ["name", "version", "commit"];

    /// The labels of the `build_info` sample.
    pub(crate) fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        let [name, version, commit] = Self::LABELS;
        let commit = self.commit.as_deref().map(|value| (commit, value));
        [(name, self.name.as_str()), (version, self.version.as_str())]
            .into_iter()
            .chain(commit)
    }
}

/// The calling crate's [`BuildInfo`]: its Cargo package name and version, and the commit from
/// the `GIT_COMMIT` environment variable at build time, when set.
///
/// ```no_run
/// let exporter = instrument_metrics::Builder::from_env()?
///     .build_info(instrument_metrics::build_info!())
///     .install()?;
/// # Ok::<(), instrument_metrics::Error>(())
/// ```
#[cfg(feature = "exporter")]
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::BuildInfo::new(
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
            ::core::option_env!("GIT_COMMIT"),
        )
    };
}

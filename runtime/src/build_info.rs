//! The `build_info` gauge: which build of the application is running, for dashboards that
//! correlate a change in behaviour with a deploy.

use metrics::{Key, KeyName, Label, Level, Metadata, Recorder, SharedString};

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

    /// What `install()` reports when it is not told: the executable's name, version `unknown`.
    pub(crate) fn executable() -> Self {
        BuildInfo::new(&crate::push::default_job(), "unknown", None)
    }

    /// Registers `<prefix>build_info{name,version[,commit]} 1`.
    pub(crate) fn register(&self, recorder: &dyn Recorder, prefix: &str) {
        static METADATA: Metadata<'static> =
            Metadata::new(module_path!(), Level::INFO, Some(module_path!()));
        let name = format!("{prefix}build_info");
        recorder.describe_gauge(
            KeyName::from(name.clone()),
            None,
            SharedString::const_str("The running build: always 1, with the build in the labels."),
        );
        // The exporter's escaper takes `\\` and `\"` as already escaped; doubling every backslash
        // first makes it escape each one exactly once.
        let value = |value: &str| value.replace('\\', "\\\\");
        let mut labels = vec![
            Label::new("name", value(&self.name)),
            Label::new("version", value(&self.version)),
        ];
        if let Some(commit) = &self.commit {
            labels.push(Label::new("commit", value(commit)));
        }
        recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
            .set(1.0);
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

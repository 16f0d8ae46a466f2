//! The registry of the installed exporter: every call site's series, the custom labels, the
//! `build_info` sample, and the installation state call sites wait on.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

use super::build_info::BuildInfo;
use super::exemplar;
#[cfg(feature = "http")]
use super::http_families::HttpNames;
#[cfg(feature = "http")]
use super::http_series::HttpSeries;
use super::objectives::{self, OBJECTIVE_SITES};
use super::series::{Bounds, CallSeries, FamilyNames};
use super::text::{self, Kind};
use crate::model::Outcome;
use crate::model::names::{CALLS_HELP, DURATION_HELP, IN_FLIGHT_HELP, label};

/// The registry of the exporter being installed or installed.
static REGISTRY: RwLock<Option<&'static Registry>> = RwLock::new(None);

/// Whether the registry's recorder is the global one. While an installation is under way, call
/// sites resolving against the global recorder wait for its outcome: resolving to `metrics`
/// handles in that window would render the same family twice.
static STATE: AtomicU8 = AtomicU8::new(IDLE);
const IDLE: u8 = 0;
const INSTALLING: u8 = 1;
const ACTIVE: u8 = 2;

pub(crate) struct Registry {
    /// `namespace_subsystem_`, or empty.
    prefix: String,
    /// The custom labels, rendered (see [`text::labels`]), first in every series.
    custom_labels: String,
    default_buckets: Bounds,
    /// `<prefix>build_info`, and its labels: the custom labels but those the build sets, then
    /// the build's.
    build_info: (String, String),
    series: Mutex<Vec<&'static CallSeries>>,
    #[cfg(feature = "http")]
    http_names: HttpNames,
    /// The HTTP layer's series, by route template and method, in the order first requested.
    #[cfg(feature = "http")]
    http: Mutex<Vec<&'static HttpSeries>>,
}

/// What an installation fixes for rendering.
pub(crate) struct Installation<'a> {
    /// `namespace_subsystem_`, or empty.
    pub(crate) prefix: &'a str,
    pub(crate) custom_labels: &'a [(String, String)],
    pub(crate) default_buckets: &'a [f64],
    pub(crate) build_info: &'a BuildInfo,
}

/// Starts an installation: call [`finish_install`] once the recorder is (or is not) global.
pub(crate) fn begin_install(installation: &Installation<'_>) {
    let Installation {
        prefix,
        custom_labels,
        default_buckets,
        build_info,
    } = installation;
    let registry: &'static Registry = Box::leak(Box::new(Registry::new(
        prefix,
        text::labels(pairs(custom_labels)),
        Bounds::new(default_buckets),
        (
            format!("{prefix}build_info"),
            build_info_labels(custom_labels, build_info),
        ),
    )));
    *REGISTRY.write().unwrap_or_else(PoisonError::into_inner) = Some(registry);
    STATE.store(INSTALLING, Ordering::SeqCst);
}

/// Owned label pairs as borrowed ones, for [`text::labels`].
fn pairs(labels: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    labels
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
}

/// The labels of `build_info`: the custom labels, then the build's. A label name twice in one
/// series fails the whole scrape, so the build's own label wins over a custom one of its name,
/// as it did when the `metrics` exporter rendered `build_info`.
fn build_info_labels(custom_labels: &[(String, String)], build_info: &BuildInfo) -> String {
    let custom = pairs(custom_labels).filter(|(name, _)| !BuildInfo::LABELS.contains(name));
    text::labels(custom.chain(build_info.labels()))
}

pub(crate) fn finish_install(installed: bool) {
    if !installed {
        *REGISTRY.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
    STATE.store(if installed { ACTIVE } else { IDLE }, Ordering::SeqCst);
}

/// The installed exporter's registry, once its recorder is the global one.
pub(crate) fn registry() -> Option<&'static Registry> {
    loop {
        match STATE.load(Ordering::SeqCst) {
            INSTALLING => std::thread::yield_now(),
            ACTIVE => return *REGISTRY.read().unwrap_or_else(PoisonError::into_inner),
            _ => return None,
        }
    }
}

impl Registry {
    fn new(
        prefix: &str,
        custom_labels: String,
        default_buckets: Bounds,
        build_info: (String, String),
    ) -> Self {
        Registry {
            prefix: prefix.to_owned(),
            custom_labels,
            default_buckets,
            build_info,
            series: Mutex::new(Vec::new()),
            #[cfg(feature = "http")]
            http_names: HttpNames::new(prefix),
            #[cfg(feature = "http")]
            http: Mutex::new(Vec::new()),
        }
    }

    /// The HTTP series of a route template and method; the HTTP layer keeps what this returns,
    /// so this runs once per route, method and layer.
    #[cfg(feature = "http")]
    pub(crate) fn register_http(
        &'static self,
        handler: &str,
        method: &'static str,
    ) -> &'static HttpSeries {
        let mut http = self.http.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = http.iter().find(|existing| existing.is(handler, method)) {
            return existing;
        }
        let registered: &'static HttpSeries = Box::leak(Box::new(HttpSeries::new(handler, method)));
        http.push(registered);
        registered
    }

    /// The series of one call site; call sites with the same names and labels (two nested
    /// functions of one name) share them, as they would share a `metrics` key. They live as long
    /// as the process, like the call sites.
    pub(crate) fn register(
        &'static self,
        names: FamilyNames,
        labels: &[(&str, &str)],
        buckets: Option<&[f64]>,
        in_flight: bool,
    ) -> &'static CallSeries {
        let rendered = text::labels(labels.iter().copied());
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = series
            .iter()
            .find(|existing| existing.is(&names, &rendered))
        {
            return existing;
        }
        let bounds = buckets.map_or_else(|| self.default_buckets.clone(), Bounds::new);
        let bucket = format!("{}_bucket", names.duration());
        let exemplars = exemplar::for_calls()
            .then(|| {
                let buckets = exemplar::register(&bucket, labels, bounds.seconds())?;
                let mut outcomes = [buckets; Outcome::ALL.len()];
                for (store, outcome) in outcomes.iter_mut().zip(Outcome::ALL) {
                    let labels = [labels, &[(label::RESULT, outcome.as_str())]].concat();
                    *store = exemplar::register(names.calls(), &labels, &[])?;
                }
                Some((buckets, outcomes))
            })
            .flatten();
        let registered: &'static CallSeries = Box::leak(Box::new(
            CallSeries::new(names, rendered, bounds, in_flight).with_exemplars(exemplars),
        ));
        series.push(registered);
        registered
    }

    /// The exposition text of every family this crate renders itself: the call sites' families,
    /// `build_info`, and the process metrics (feature `process`).
    pub(crate) fn render(&self, out: &mut String) {
        let series = self
            .series
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut families: Vec<&str> = Vec::new();
        for one in &series {
            if !families.contains(&one.names().calls()) {
                families.push(one.names().calls());
            }
        }
        for family in families {
            let members: Vec<&CallSeries> = series
                .iter()
                .copied()
                .filter(|one| one.names().calls() == family)
                .collect();
            self.render_family(out, &members);
        }
        #[cfg(feature = "http")]
        {
            let http = self
                .http
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            self.http_names.render(out, &self.custom_labels, &http);
        }
        let (name, labels) = &self.build_info;
        text::header(out, name, BuildInfo::HELP, Kind::Gauge);
        text::sample(out, name, &[labels], 1);
        objectives::render(out, &OBJECTIVE_SITES, &self.prefix, &self.custom_labels);
        #[cfg(feature = "process")]
        super::process::render(out, &self.custom_labels);
    }

    fn render_family(&self, out: &mut String, members: &[&CallSeries]) {
        let custom = &self.custom_labels;
        let names = members[0].names();
        text::header(out, names.calls(), CALLS_HELP, Kind::Counter);
        for one in members {
            one.render_calls(out, custom);
        }
        if members.iter().any(|one| one.has_in_flight()) {
            text::header(out, names.in_flight(), IN_FLIGHT_HELP, Kind::Gauge);
        }
        for one in members {
            one.render_in_flight(out, custom);
        }
        text::header(out, names.duration(), DURATION_HELP, Kind::Histogram);
        for one in members {
            one.render_duration(out, custom);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_build_labels_win_over_custom_labels_of_their_name() {
        let custom = [
            ("service".to_owned(), "api".to_owned()),
            ("version".to_owned(), "canary".to_owned()),
        ];
        let build = BuildInfo::new("app", "1.2.3", None);
        assert_eq!(
            build_info_labels(&custom, &build),
            "service=\"api\",name=\"app\",version=\"1.2.3\""
        );
        assert_eq!(
            build_info_labels(&[], &build),
            "name=\"app\",version=\"1.2.3\""
        );
    }

    use super::*;
    use crate::model::Outcome;

    #[test]
    fn a_call_lands_in_its_bucket_and_the_sum() {
        let registry: &'static Registry = Box::leak(Box::new(Registry::new(
            "",
            "service=\"api\"".into(),
            Bounds::new(&[0.001, 0.01]),
            ("build_info".into(), "service=\"api\",name=\"app\"".into()),
        )));
        let series = registry.register(
            FamilyNames::new("", "f"),
            &[("function", "work"), ("module", "app")],
            None,
            true,
        );
        series.start();
        series.finish(Outcome::Ok, None, 500_000);
        series.start();
        series.finish(Outcome::Error, None, 5_000_000);
        series.start();
        series.finish(Outcome::Ok, None, 1_000_000_000);
        series.start();
        let mut out = String::new();
        registry.render(&mut out);
        for line in [
            "f_total{service=\"api\",function=\"work\",module=\"app\",result=\"ok\"} 2",
            "f_total{service=\"api\",function=\"work\",module=\"app\",result=\"error\"} 1",
            "f_total{service=\"api\",function=\"work\",module=\"app\",result=\"panic\"} 0",
            "f_in_flight{service=\"api\",function=\"work\",module=\"app\"} 1",
            "f_duration_seconds_bucket{service=\"api\",function=\"work\",module=\"app\",le=\"0.001\"} 1",
            "f_duration_seconds_bucket{service=\"api\",function=\"work\",module=\"app\",le=\"0.01\"} 2",
            "f_duration_seconds_bucket{service=\"api\",function=\"work\",module=\"app\",le=\"+Inf\"} 3",
            "f_duration_seconds_sum{service=\"api\",function=\"work\",module=\"app\"} 1.0055",
            "f_duration_seconds_count{service=\"api\",function=\"work\",module=\"app\"} 3",
            "build_info{service=\"api\",name=\"app\"} 1",
        ] {
            assert!(
                out.lines().any(|rendered| rendered == line),
                "missing {line} in\n{out}"
            );
        }
    }
}

//! Objectives and last successes: what `objective = ..` and `last_success` add to a function, and
//! `HttpMetricsLayer::objective` to a route. Everything here is rendered at scrape time from
//! what the attribute declared; the only per-call work is one relaxed store of the wall-clock
//! time on an `ok` call of a function with `last_success`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::text::{self, Kind};
use crate::clock::monotonic_nanos;
use crate::model::names::{
    DEFAULT_FAMILY, EXPECTED_INTERVAL_HELP, EXPECTED_INTERVAL_SUFFIX, LAST_SUCCESS_HELP,
    LAST_SUCCESS_SUFFIX, OBJECTIVE_INFO_HELP, OBJECTIVE_INFO_SUFFIX, OBJECTIVE_LATENCY_TARGET_HELP,
    OBJECTIVE_LATENCY_TARGET_SUFFIX, OBJECTIVE_SUCCESS_TARGET_HELP,
    OBJECTIVE_SUCCESS_TARGET_SUFFIX, http, label, objective,
};
use crate::model::{Objective, fraction};

/// How much later than the one noted an `ok` call must be to be noted in its place.
const NOTE_EVERY_NANOS: u64 = 1_000_000;

/// `noted_at` before the first `ok` call.
const NEVER: u64 = u64::MAX;

/// Every function with `objective = ..` or `last_success`, collected at link time as the call
/// sites are.
#[linkme::distributed_slice]
pub static OBJECTIVE_SITES: [&'static ObjectiveSite];

/// What an instrumented function with `objective = ..` or `last_success` adds; the macro places
/// one in a `static` next to the function's call site.
pub struct ObjectiveSite {
    module: &'static str,
    /// The call site's `function` label (`Type::method` inside an impl).
    function: fn() -> &'static str,
    family: &'static str,
    objective: Option<&'static Objective>,
    /// This function's buckets when the attribute lists them (the latency threshold was then
    /// checked at compile time); the installed default buckets otherwise.
    buckets: Option<&'static [f64]>,
    last_success: bool,
    expected_interval: Option<u64>,
    /// Nanoseconds since the Unix epoch of the last `ok` call noted; 0 before the first.
    succeeded_at: AtomicU64,
    /// When that call was noted, by [`monotonic_nanos`]; [`NEVER`] before the first.
    noted_at: AtomicU64,
    /// What `install()` found: the `le` of the latency threshold, or that the function is
    /// excluded from recording (`None`).
    installed: OnceLock<Option<String>>,
}

impl ObjectiveSite {
    /// `function` returns the call site's `function` label.
    pub const fn new(module: &'static str, function: fn() -> &'static str) -> Self {
        ObjectiveSite {
            module,
            function,
            family: DEFAULT_FAMILY,
            objective: None,
            buckets: None,
            last_success: false,
            expected_interval: None,
            succeeded_at: AtomicU64::new(0),
            noted_at: AtomicU64::new(NEVER),
            installed: OnceLock::new(),
        }
    }

    /// The family base name (`name = "..."`).
    #[must_use]
    pub const fn family(mut self, family: &'static str) -> Self {
        self.family = family;
        self
    }

    /// `objective = PATH`.
    #[must_use]
    pub const fn objective(mut self, objective: &'static Objective) -> Self {
        self.objective = Some(objective);
        self
    }

    /// The attribute's literal `buckets`.
    #[must_use]
    pub const fn buckets(mut self, buckets: &'static [f64]) -> Self {
        self.buckets = Some(buckets);
        self
    }

    /// `last_success`, with its expected interval in seconds for `last_success = ".."`.
    #[must_use]
    pub const fn last_success(mut self, expected_interval: Option<u64>) -> Self {
        self.last_success = true;
        self.expected_interval = expected_interval;
        self
    }

    /// Notes an `ok` call. The gauge is read in seconds at each scrape, so a call is noted at
    /// most once a millisecond: the others only read the call's clock (not the wall clock, ~3x
    /// dearer here) and a cache line that many cores then share without writing it.
    #[inline]
    pub fn succeeded(&self) {
        let now = monotonic_nanos();
        let noted = self.noted_at.load(Ordering::Relaxed);
        if noted == NEVER || now.saturating_sub(noted) >= NOTE_EVERY_NANOS {
            self.note(now);
        }
    }

    #[cold]
    fn note(&self, now: u64) {
        self.noted_at.store(now, Ordering::Relaxed);
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let nanos = u64::try_from(since_epoch.as_nanos()).unwrap_or(u64::MAX);
        self.succeeded_at.store(nanos, Ordering::Relaxed);
    }

    /// The `function` label.
    pub(crate) fn function(&self) -> &'static str {
        (self.function)()
    }

    /// Checks the objective's latency threshold against the buckets in force:
    /// `default_buckets` unless the attribute lists its own.
    ///
    /// # Errors
    ///
    /// What is wrong, when the threshold is not one of the bucket bounds.
    pub(crate) fn check(&self, default_buckets: &[f64]) -> Result<(), String> {
        self.latency_le(default_buckets).map(drop)
    }

    /// Fixes what is rendered, once `install()` is sure to succeed: the threshold's `le`, or
    /// nothing at all for an `excluded` function.
    pub(crate) fn install(&self, default_buckets: &[f64], excluded: bool) {
        let le = self.latency_le(default_buckets).unwrap_or_default();
        let _ = self.installed.set((!excluded).then_some(le));
    }

    /// The `le` of the latency threshold, empty without one.
    fn latency_le(&self, default_buckets: &[f64]) -> Result<String, String> {
        let Some((objective, (threshold, _))) = self
            .objective
            .and_then(|objective| Some((objective, objective.latency_percent()?)))
        else {
            return Ok(String::new());
        };
        let buckets = self.buckets.unwrap_or(default_buckets);
        bound_of(threshold, buckets)
            .map(|bound| bound.to_string())
            .ok_or_else(|| {
                format!(
                    "the latency threshold of objective {:?} ({threshold:?}) is not one of its \
                     duration buckets {buckets:?}: add {} to the buckets or choose one of them",
                    objective.name(),
                    threshold.as_secs_f64(),
                )
            })
    }

    /// The `function` and `module` labels, rendered; `None` when the function is excluded or
    /// `install()` has not seen it.
    fn labels(&self) -> Option<String> {
        self.installed.get()?.as_ref()?;
        Some(text::labels([
            (label::FUNCTION, self.function()),
            (label::MODULE, self.module),
        ]))
    }

    /// The `le` of the latency threshold install() found; empty without one.
    fn le(&self) -> &str {
        self.installed
            .get()
            .and_then(Option::as_deref)
            .unwrap_or_default()
    }
}

/// Checks every site's objective: its latency threshold is one of the function's bucket bounds
/// (see [`ObjectiveSite::check`]), and an objective of one name has one set of targets.
///
/// # Errors
///
/// The first site at fault, `module::function`, and what is wrong.
pub(crate) fn check_all(
    sites: &[&ObjectiveSite],
    default_buckets: &[f64],
) -> Result<(), (String, String)> {
    let mut declared: Vec<&'static Objective> = Vec::new();
    for site in sites {
        let at_fault = |detail| (format!("{}::{}", site.module, site.function()), detail);
        site.check(default_buckets).map_err(at_fault)?;
        let Some(objective) = site.objective else {
            continue;
        };
        if let Some(other) = declared
            .iter()
            .find(|other| other.name() == objective.name() && **other != objective)
        {
            return Err(at_fault(format!(
                "objective {:?} has other targets here than elsewhere ({objective:?} and \
                 {other:?}): declare it once, as one `const`",
                objective.name()
            )));
        }
        declared.push(objective);
    }
    Ok(())
}

/// The bucket bound equal to `threshold`, to the nanosecond.
pub(crate) fn bound_of(threshold: Duration, buckets: &[f64]) -> Option<f64> {
    buckets
        .iter()
        .copied()
        .find(|bound| (bound * 1e9).round() == threshold.as_nanos() as f64)
}

/// `objective`, and the targets it has.
fn target_labels(objective: &Objective, le: &str) -> String {
    let success = objective.success_percent().map(fraction);
    let latency = objective
        .latency_percent()
        .map(|(_, percent)| fraction(percent));
    let mut pairs = vec![(objective::NAME, objective.name())];
    if let Some(success) = &success {
        pairs.push((objective::SUCCESS_TARGET, success));
    }
    if let Some(latency) = &latency {
        pairs.push((objective::LATENCY_TARGET, latency));
        pairs.push((objective::LATENCY_LE, le));
    }
    text::labels(pairs)
}

/// The objectives of HTTP routes, as `HttpMetricsLayer::objective` declared them: the route
/// template, the objective, and its threshold's `le`.
static ROUTES: Mutex<Vec<(String, Objective, String)>> = Mutex::new(Vec::new());

/// Declares that requests to `route` count towards `objective`; the same pair twice is kept once.
///
/// # Errors
///
/// What is wrong, when the latency threshold is not one of the HTTP duration buckets.
#[cfg(feature = "http")]
pub(crate) fn declare_route(route: &str, objective: Objective) -> Result<(), String> {
    let le = match objective.latency_percent() {
        Some((threshold, _)) => bound_of(threshold, http::BUCKETS)
            .ok_or_else(|| {
                format!(
                    "the latency threshold of objective {:?} for route {route:?} ({threshold:?}) \
                     is not one of the HTTP duration buckets {:?}",
                    objective.name(),
                    http::BUCKETS
                )
            })?
            .to_string(),
        None => String::new(),
    };
    let mut routes = ROUTES.lock().unwrap_or_else(PoisonError::into_inner);
    if !routes
        .iter()
        .any(|(known, declared, _)| known == route && *declared == objective)
    {
        routes.push((route.to_owned(), objective, le));
    }
    Ok(())
}

/// Appends the objective and last-success families of `sites` and of the declared HTTP routes.
/// `prefix` is `namespace_subsystem_` or empty, `custom` the rendered custom labels.
pub(crate) fn render(out: &mut String, sites: &[&ObjectiveSite], prefix: &str, custom: &str) {
    let mut families: Vec<&str> = Vec::new();
    for site in sites {
        if !families.contains(&site.family) {
            families.push(site.family);
        }
    }
    for family in families {
        let members: Vec<&ObjectiveSite> = sites
            .iter()
            .copied()
            .filter(|site| site.family == family)
            .collect();
        let objectives: Vec<Member> = members
            .iter()
            .filter_map(|site| Some((site.labels()?, site.objective?, site.le())))
            .collect();
        let base = format!("{prefix}{family}");
        render_objectives(out, &base, &FUNCTION_OBJECTIVES, custom, &objectives);
        let last_success = (format!("{base}{LAST_SUCCESS_SUFFIX}"), LAST_SUCCESS_HELP);
        gauge(out, &last_success, custom, &members, |site| {
            let nanos = site.succeeded_at.load(Ordering::Relaxed);
            let seconds = Duration::from_nanos(nanos).as_secs_f64();
            let labels = site.labels().filter(|_| site.last_success)?;
            Some(([labels, String::new()], seconds.to_string()))
        });
        let interval = (
            format!("{base}{EXPECTED_INTERVAL_SUFFIX}"),
            EXPECTED_INTERVAL_HELP,
        );
        gauge(out, &interval, custom, &members, |site| {
            let seconds = site.expected_interval?;
            Some(([site.labels()?, String::new()], seconds.to_string()))
        });
    }
    let routes = ROUTES.lock().unwrap_or_else(PoisonError::into_inner);
    let objectives: Vec<Member> = routes
        .iter()
        .map(|(route, objective, le)| {
            let handler = text::labels([(http::HANDLER, route.as_str())]);
            (handler, objective, le.as_str())
        })
        .collect();
    render_objectives(out, prefix, &HTTP_OBJECTIVES, custom, &objectives);
}

/// What an objective gauge has of a function or route: its own labels (`function` and `module`,
/// or `handler`), its objective, and the `le` of the objective's latency threshold.
type Member<'a> = (String, &'a Objective, &'a str);

/// The names (after the family base) and HELP of a function family's objective gauges: the info
/// series, the success target, the latency target.
const FUNCTION_OBJECTIVES: [(&str, &str); 3] = [
    (OBJECTIVE_INFO_SUFFIX, OBJECTIVE_INFO_HELP),
    (
        OBJECTIVE_SUCCESS_TARGET_SUFFIX,
        OBJECTIVE_SUCCESS_TARGET_HELP,
    ),
    (
        OBJECTIVE_LATENCY_TARGET_SUFFIX,
        OBJECTIVE_LATENCY_TARGET_HELP,
    ),
];

/// The names (after the prefix) and HELP of the HTTP routes' objective gauges.
const HTTP_OBJECTIVES: [(&str, &str); 3] = [
    (http::OBJECTIVE_INFO, http::OBJECTIVE_INFO_HELP),
    (
        http::OBJECTIVE_SUCCESS_TARGET,
        http::OBJECTIVE_SUCCESS_TARGET_HELP,
    ),
    (
        http::OBJECTIVE_LATENCY_TARGET,
        http::OBJECTIVE_LATENCY_TARGET_HELP,
    ),
];

/// The three objective gauges of `members`, named `base` + the names of `gauges`: the info
/// series (always 1, the targets in labels), then the success and the latency target as sample
/// values, which rules can compute with (`1 - target` is the error budget; PromQL cannot read a
/// number from a label).
fn render_objectives(
    out: &mut String,
    base: &str,
    gauges: &[(&str, &str); 3],
    custom: &str,
    members: &[Member],
) {
    let [info, success, latency] = gauges.map(|(name, help)| (format!("{base}{name}"), help));
    gauge(out, &info, custom, members, |(own, objective, le)| {
        Some(([own.clone(), target_labels(objective, le)], "1".to_owned()))
    });
    gauge(out, &success, custom, members, |(own, objective, _)| {
        let percent = objective.success_percent()?;
        let labels = text::labels([(objective::NAME, objective.name())]);
        Some(([own.clone(), labels], fraction(percent)))
    });
    gauge(out, &latency, custom, members, |(own, objective, le)| {
        let (_, percent) = objective.latency_percent()?;
        let labels = text::labels([
            (objective::NAME, objective.name()),
            (objective::LATENCY_LE, le),
        ]);
        Some(([own.clone(), labels], fraction(percent)))
    });
}

/// One gauge family, `(name, help)`, of `members`: its header and a sample for each member
/// `sample` gives one (the label parts after the custom labels, and the value); nothing at all
/// without samples.
fn gauge<T>(
    out: &mut String,
    (name, help): &(String, &str),
    custom: &str,
    members: &[T],
    sample: impl Fn(&T) -> Option<([String; 2], String)>,
) {
    let mut samples = members.iter().filter_map(sample).peekable();
    if samples.peek().is_some() {
        text::header(out, name, help, Kind::Gauge);
    }
    for ([own, extra], value) in samples {
        text::sample(out, name, &[custom, &own, &extra], value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKOUT: Objective = Objective::new("checkout")
        .success_rate(99.9)
        .latency(Duration::from_millis(250), 99.0);

    #[test]
    fn thresholds_match_bounds_to_the_nanosecond() {
        assert_eq!(
            bound_of(Duration::from_millis(250), &[0.1, 0.25, 1.0]),
            Some(0.25)
        );
        assert_eq!(
            bound_of(Duration::from_millis(300), http::BUCKETS),
            Some(0.3)
        );
        assert_eq!(bound_of(Duration::from_millis(200), &[0.1, 0.25]), None);
    }

    #[test]
    fn a_last_success_is_written_at_most_once_a_millisecond() {
        static SITE: ObjectiveSite = ObjectiveSite::new("app::jobs", || "poll").last_success(None);
        let mut noted = vec![];
        let until = SystemTime::now() + Duration::from_millis(20);
        while SystemTime::now() < until {
            SITE.succeeded();
            let at = (
                SITE.noted_at.load(Ordering::Relaxed),
                SITE.succeeded_at.load(Ordering::Relaxed),
            );
            if noted.last() != Some(&at) {
                noted.push(at);
            }
        }
        assert!(noted.len() > 1, "{noted:?}");
        for pair in noted.windows(2) {
            let ((noted_before, wall_before), (noted_after, wall_after)) = (pair[0], pair[1]);
            assert!(noted_after - noted_before >= 1_000_000, "{noted:?}");
            assert!(wall_after > wall_before, "{noted:?}");
        }
    }

    #[test]
    fn a_site_renders_its_objective_and_last_success() {
        static SITE: ObjectiveSite = ObjectiveSite::new("app::jobs", || "sweep")
            .family("jobs")
            .objective(&CHECKOUT)
            .last_success(Some(900));
        SITE.check(&[0.1, 0.25]).unwrap();
        SITE.install(&[0.1, 0.25], false);
        let mut out = String::new();
        render(&mut out, &[&SITE], "acme_", "env=\"prod\"");
        assert_eq!(
            out,
            "# HELP acme_jobs_objective_info The objective an instrumented function counts towards: always 1, its targets in the labels.\n\
             # TYPE acme_jobs_objective_info gauge\n\
             acme_jobs_objective_info{env=\"prod\",function=\"sweep\",module=\"app::jobs\",objective=\"checkout\",success_target=\"0.999\",latency_target=\"0.99\",latency_le=\"0.25\"} 1\n\
             # HELP acme_jobs_objective_success_target The share of calls of an instrumented function that must not fail (error or panic): its objective's target.\n\
             # TYPE acme_jobs_objective_success_target gauge\n\
             acme_jobs_objective_success_target{env=\"prod\",function=\"sweep\",module=\"app::jobs\",objective=\"checkout\"} 0.999\n\
             # HELP acme_jobs_objective_latency_target The share of calls of an instrumented function that must end within latency_le seconds: its objective's target.\n\
             # TYPE acme_jobs_objective_latency_target gauge\n\
             acme_jobs_objective_latency_target{env=\"prod\",function=\"sweep\",module=\"app::jobs\",objective=\"checkout\",latency_le=\"0.25\"} 0.99\n\
             # HELP acme_jobs_last_success_timestamp_seconds Unix time of the last ok call of an instrumented function, in seconds; 0 before the first.\n\
             # TYPE acme_jobs_last_success_timestamp_seconds gauge\n\
             acme_jobs_last_success_timestamp_seconds{env=\"prod\",function=\"sweep\",module=\"app::jobs\"} 0\n\
             # HELP acme_jobs_last_success_expected_interval_seconds How often an instrumented function is expected to succeed, in seconds.\n\
             # TYPE acme_jobs_last_success_expected_interval_seconds gauge\n\
             acme_jobs_last_success_expected_interval_seconds{env=\"prod\",function=\"sweep\",module=\"app::jobs\"} 900\n"
        );
    }

    #[test]
    fn an_objective_renders_only_the_targets_it_has() {
        const FAST: Objective = Objective::new("fast").latency(Duration::from_secs(1), 90.0);
        const UP: Objective = Objective::new("up").success_rate(99.95);
        static GET: ObjectiveSite = ObjectiveSite::new("app", || "get").objective(&FAST);
        static PUT: ObjectiveSite = ObjectiveSite::new("app", || "put").objective(&UP);
        for site in [&GET, &PUT] {
            site.install(&[0.5, 1.0], false);
        }
        let mut out = String::new();
        render(&mut out, &[&GET, &PUT], "", "");
        let samples: Vec<&str> = out.lines().filter(|line| !line.starts_with('#')).collect();
        assert_eq!(
            samples,
            [
                "function_calls_objective_info{function=\"get\",module=\"app\",objective=\"fast\",latency_target=\"0.9\",latency_le=\"1\"} 1",
                "function_calls_objective_info{function=\"put\",module=\"app\",objective=\"up\",success_target=\"0.9995\"} 1",
                "function_calls_objective_success_target{function=\"put\",module=\"app\",objective=\"up\"} 0.9995",
                "function_calls_objective_latency_target{function=\"get\",module=\"app\",objective=\"fast\",latency_le=\"1\"} 0.9",
            ]
        );
        assert_eq!(out.matches("# TYPE ").count(), 3, "{out}");
    }

    #[test]
    fn one_name_has_one_set_of_targets() {
        const STRICTER: Objective = Objective::new("checkout").success_rate(99.99);
        let pay = ObjectiveSite::new("app", || "pay").objective(&CHECKOUT);
        let refund = ObjectiveSite::new("app::refunds", || "refund").objective(&CHECKOUT);
        let quote = ObjectiveSite::new("app", || "quote").objective(&STRICTER);
        assert_eq!(check_all(&[&pay, &refund], &[0.25]), Ok(()));
        let (function, detail) = check_all(&[&pay, &refund, &quote], &[0.25]).unwrap_err();
        assert_eq!(function, "app::quote");
        assert!(
            detail.starts_with("objective \"checkout\" has other targets here than elsewhere"),
            "{detail}"
        );
        let (function, _) = check_all(&[&refund], &[0.1]).unwrap_err();
        assert_eq!(function, "app::refunds::refund");
    }

    #[test]
    fn a_threshold_off_the_buckets_is_an_error() {
        let site = ObjectiveSite::new("app", || "pay").objective(&CHECKOUT);
        let error = site.check(&[0.1, 0.5]).unwrap_err();
        assert!(
            error.contains("(250ms) is not one of its duration buckets [0.1, 0.5]"),
            "{error}"
        );
        let excluded = ObjectiveSite::new("app", || "pay").objective(&CHECKOUT);
        excluded.install(&[0.1, 0.25], true);
        let mut out = String::new();
        render(&mut out, &[&excluded], "", "");
        assert_eq!(out, "");
    }
}

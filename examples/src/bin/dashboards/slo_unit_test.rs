//! `tests/slo_test.yml`: a success objective and a latency objective that start burning their
//! budget after six healthy hours, each burn-rate tier checked the tick before it fires and the
//! tick it fires; next to them a healthy, an idle and a low-traffic objective that never page.

use crate::alerts::{Alert, Subject, TIERS};
use crate::burn_model::{Counts, notation};
use crate::crafted::series;
use crate::objectives::Kind;
use crate::options::Options;
use crate::unit_tests::{
    AlertCheck, ExpectedAlert, ExprCheck, Layout, UnitTest, unit_test_file_of,
};
use instrument_metrics_names::{
    OBJECTIVE_LATENCY_TARGET_SUFFIX, OBJECTIVE_SUCCESS_TARGET_SUFFIX, http,
};

/// Healthy ticks before the burn starts: the 1h and 6h windows are full by then, the 3d window
/// holds these six hours only (a service deployed six hours ago).
const HEALTHY: u64 = 360;
/// The one bad call of the low-traffic objective comes this many ticks after [`HEALTHY`].
const LONE_BAD_CALL: u64 = 10;
const JOB: &str = "shop";
const INSTANCE: &str = "shop-1:9000";
const MODULE: &str = "shop::orders";

pub fn slo_test_file(options: &Options) -> String {
    let layout = Layout {
        rule_files: &["slo_rules.yml"],
        tick_seconds: 60 / options.window_divisor,
        note: "One sample and one evaluation a tick; a window named 1h spans 60 ticks.",
    };
    unit_test_file_of(
        options,
        "Objectives: every burn-rate tier quiet the tick before it fires and firing at its tick; healthy, idle and low-traffic objectives never page.",
        &layout,
        &[
            objective_test(options, Kind::Errors),
            objective_test(options, Kind::Slow),
        ],
    )
}

/// One crafted objective: its name, its calls and bad calls per member per tick, and whether
/// every family and HTTP route is a member (or one function only).
struct Crafted {
    name: &'static str,
    per_tick: fn(u64) -> (u64, u64),
    everywhere: bool,
}

fn objectives(kind: Kind) -> [Crafted; 4] {
    let names = match kind {
        Kind::Errors => ["checkout", "profile", "refund", "audit"],
        Kind::Slow => ["search", "browse", "export", "report"],
    };
    [
        Crafted {
            name: names[0],
            // 2.8% failed (28% slow) from the onset: 28 times the budget.
            per_tick: match kind {
                Kind::Errors => |tick| (1000, if tick > HEALTHY { 28 } else { 0 }),
                Kind::Slow => |tick| (1000, if tick > HEALTHY { 280 } else { 0 }),
            },
            everywhere: true,
        },
        Crafted {
            name: names[1],
            // Half the budget: burns at 0.4-0.5, below every tier.
            per_tick: match kind {
                Kind::Errors => |_| (2000, 1),
                Kind::Slow => |_| (1000, 4),
            },
            everywhere: false,
        },
        Crafted {
            name: names[2],
            per_tick: |_| (0, 0),
            everywhere: false,
        },
        Crafted {
            name: names[3],
            // One call a tick and one bad call: over 5m that is 20% bad, 200 times the budget
            // of 99.9%, yet a single call is no reason to page.
            per_tick: |tick| (1, u64::from(tick == HEALTHY + LONE_BAD_CALL)),
            everywhere: false,
        },
    ]
}

/// The target of the crafted objectives of `kind`, as the exporter renders it.
fn target(kind: Kind) -> f64 {
    match kind {
        Kind::Errors => 0.999,
        Kind::Slow => 0.99,
    }
}

fn objective_test(options: &Options, kind: Kind) -> UnitTest {
    let budget = 1.0 - target(kind);
    let crafted = objectives(kind);
    // Find when each tier fires for the burning objective, then end the series one tick later.
    let horizon = HEALTHY + 2000;
    let burning = Counts::from_increments(horizon, |tick| {
        scale((crafted[0].per_tick)(tick), members(options, &crafted[0]))
    });
    let fired: Vec<u64> = TIERS
        .iter()
        .map(|tier| {
            burning
                .first_firing(tier, budget, options.min_events)
                .unwrap_or_else(|| panic!("the {}x tier never fires", tier.factor))
        })
        .collect();
    let ticks = fired.iter().max().copied().unwrap_or(HEALTHY) + 1;
    let counts: Vec<Counts> = crafted
        .iter()
        .map(|objective| {
            Counts::from_increments(ticks, |tick| {
                scale((objective.per_tick)(tick), members(options, objective))
            })
        })
        .collect();

    let mut input = Vec::new();
    for objective in &crafted {
        for member in 0..members(options, objective) {
            input.extend(member_series(options, kind, objective, member, ticks));
        }
    }

    let kept: Vec<(&str, &str)> = options
        .keep
        .iter()
        .map(|label| (label.as_str(), "prod"))
        .collect();
    let firing_at = |tick: u64| -> Vec<ExpectedAlert> {
        let mut expected = Vec::new();
        for (objective, counts) in crafted.iter().zip(&counts) {
            for tier in &TIERS {
                if counts.fires(tick, tier, budget, options.min_events) {
                    let alert = Alert::BudgetBurn { kind, tier };
                    let value = alert.value_text(counts.burn(tick, tier.long, budget));
                    let subject = Subject {
                        who: objective.name,
                        job: JOB,
                        value: &value,
                    };
                    let labels =
                        [&[("job", JOB)], &kept[..], &[("objective", objective.name)]].concat();
                    expected.push(ExpectedAlert::new(options, &alert, &labels, &subject));
                }
            }
        }
        expected
    };
    let alert_name = Alert::BudgetBurn {
        kind,
        tier: &TIERS[0],
    }
    .name();
    let mut check_ticks: Vec<u64> = fired.iter().flat_map(|tick| [tick - 1, *tick]).collect();
    check_ticks.push(HEALTHY);
    check_ticks.sort_unstable();
    check_ticks.dedup();
    let alerts = check_ticks
        .into_iter()
        .map(|tick| AlertCheck::new(tick, alert_name, firing_at(tick)))
        .collect();

    let recorded = |objective: &str| {
        let labels = [&[("job", JOB)], &kept[..], &[("objective", objective)]].concat();
        series("x", &labels)
    };
    let exprs = vec![
        ExprCheck {
            expr: kind.burn_rate("5m"),
            eval_minutes: ticks,
            samples: crafted
                .iter()
                .zip(&counts)
                .map(|(objective, counts)| {
                    (recorded(objective.name), counts.burn(ticks, "5m", budget))
                })
                .collect(),
        },
        ExprCheck {
            expr: format!(r#"{}{{objective="{}"}}"#, kind.ratio("1h"), crafted[0].name),
            eval_minutes: fired[0],
            samples: vec![(recorded(crafted[0].name), counts[0].over(fired[0], "1h").0)],
        },
    ];

    let (what, bad) = match kind {
        Kind::Errors => ("success objective (99.9%)", "fails 2.8% of its calls"),
        Kind::Slow => (
            "latency objective (99% within the threshold)",
            "is slow in 28% of its calls",
        ),
    };
    UnitTest {
        name: format!(
            "{what}: {} {bad} from tick {HEALTHY} and fires the tiers at ticks {fired:?}; {} is healthy, {} idle, {} has one call a tick and one bad call",
            crafted[0].name, crafted[1].name, crafted[2].name, crafted[3].name
        ),
        series: input,
        alerts,
        exprs,
    }
}

/// Functions (one per family) and the HTTP route of an objective that is everywhere; one
/// function otherwise.
fn members(options: &Options, objective: &Crafted) -> u64 {
    if objective.everywhere {
        options.families.len() as u64 + 1
    } else {
        1
    }
}

fn scale((calls, bad): (u64, u64), members: u64) -> (u64, u64) {
    (calls * members, bad * members)
}

/// The series of member `index` of `objective`: function `<objective>_<index>` of family
/// `index`, or, past the families, the route `/<objective>`.
fn member_series(
    options: &Options,
    kind: Kind,
    objective: &Crafted,
    index: u64,
    ticks: u64,
) -> Vec<(String, String)> {
    let per_tick = objective.per_tick;
    let counter = |part: fn(u64, u64) -> u64| {
        let values = Counts::from_increments(ticks, |tick| {
            let (calls, bad) = per_tick(tick);
            (part(calls, bad), 0)
        });
        notation(&values.calls)
    };
    let gauge = format!("{}+0x{ticks}", target(kind));
    let kept: Vec<(&str, &str)> = options
        .keep
        .iter()
        .map(|label| (label.as_str(), "prod"))
        .collect();
    let base = [&[("job", JOB)], &kept[..], &[("instance", INSTANCE)]].concat();
    let function = format!("{}_{index}", objective.name);
    let route = format!("/{}", objective.name);
    let (member, family, le): (Vec<(&str, &str)>, Option<String>, &str) =
        match options.families.get(index as usize) {
            Some(family) => (
                [&base[..], &[("module", MODULE), ("function", &function)]].concat(),
                Some(options.name(family)),
                "0.25",
            ),
            None => ([&base[..], &[("handler", &route)]].concat(), None, "0.3"),
        };
    let objective_label = [("objective", objective.name)];
    let mut out = Vec::new();
    match (kind, &family) {
        (Kind::Errors, Some(family)) => {
            let total = format!("{family}_total");
            out.push((
                series(&total, &join(&member, &[("result", "ok")])),
                counter(|calls, bad| calls - bad - calls / 500),
            ));
            out.push((
                series(&total, &join(&member, &[("result", "cancelled")])),
                counter(|calls, _| calls / 500),
            ));
            out.push((
                series(&total, &join(&member, &[("result", "error")])),
                counter(|_, bad| bad - bad / 4),
            ));
            out.push((
                series(&total, &join(&member, &[("result", "panic")])),
                counter(|_, bad| bad / 4),
            ));
            out.push((
                series(
                    &format!("{family}{OBJECTIVE_SUCCESS_TARGET_SUFFIX}"),
                    &join(&member, &objective_label),
                ),
                gauge,
            ));
        }
        (Kind::Errors, None) => {
            let total = options.name(http::REQUESTS);
            let get = |status| join(&member, &[("method", "GET"), ("status", status)]);
            out.push((
                series(&total, &get("200")),
                counter(|calls, bad| calls - bad),
            ));
            out.push((series(&total, &get("503")), counter(|_, bad| bad)));
            out.push((
                series(
                    &options.name(http::OBJECTIVE_SUCCESS_TARGET),
                    &join(&member, &objective_label),
                ),
                gauge,
            ));
        }
        (Kind::Slow, _) => {
            let (histogram, target, extra): (String, String, &[(&str, &str)]) = match &family {
                Some(family) => (
                    format!("{family}_duration_seconds"),
                    format!("{family}{OBJECTIVE_LATENCY_TARGET_SUFFIX}"),
                    &[],
                ),
                None => (
                    options.name(http::DURATION),
                    options.name(http::OBJECTIVE_LATENCY_TARGET),
                    &[("method", "GET")],
                ),
            };
            let bucket = format!("{histogram}_bucket");
            let timed = join(&member, extra);
            let at = |bound| [&timed[..], &[("le", bound)]].concat();
            out.push((
                series(&format!("{histogram}_count"), &timed),
                counter(|calls, _| calls),
            ));
            out.push((
                series(&bucket, &at("0.1")),
                counter(|calls, bad| (calls - bad) / 2),
            ));
            out.push((series(&bucket, &at(le)), counter(|calls, bad| calls - bad)));
            out.push((series(&bucket, &at("+Inf")), counter(|calls, _| calls)));
            out.push((
                series(
                    &target,
                    &join(
                        &member,
                        &[("objective", objective.name), ("latency_le", le)],
                    ),
                ),
                gauge,
            ));
        }
    }
    out
}

fn join<'a>(
    labels: &[(&'a str, &'a str)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    [labels, extra].concat()
}

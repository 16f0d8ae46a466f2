//! `tests/functions_test.yml`: one unit test per function family, with a function that fails
//! and is slow, a healthy one, one without error series and an idle one.

use crate::alerts::Alert;
use crate::crafted::{Traffic, series};
use crate::options::Options;
use crate::promql::Recorded;
use crate::unit_tests::{ExprCheck, UnitTest, unit_test_file};

pub fn functions_test_file(options: &Options) -> String {
    let tests: Vec<UnitTest> = options
        .families
        .iter()
        .map(|family| family_test(options, family))
        .collect();
    unit_test_file(
        options,
        "Function families: error ratio and p99 alerts firing and quiet, recorded values.",
        &tests,
    )
}

fn family_test(options: &Options, family: &str) -> UnitTest {
    let full = options.name(family);
    let calls = format!("{full}_total");
    let names = Recorded::function(options, family);
    let traffic = Traffic::new(options);
    let Traffic {
        total,
        failing,
        healthy,
        ..
    } = traffic;
    let job = "shop";
    let module = "shop::orders";
    let instance_labels = |function: &'static str| {
        traffic.labels(
            job,
            &[
                ("instance", "shop-1:9000"),
                ("module", module),
                ("function", function),
            ],
        )
    };
    let with = |function: &'static str, result: &'static str| {
        let labels = [&instance_labels(function)[..], &[("result", result)]].concat();
        series(&calls, &labels)
    };
    // checkout fails (errors and panics), list_orders fails rarely, ping returns no Result (only
    // `ok` series exist), refund is idle (its zero-initialised series never move).
    let panics = failing / 2;
    let cancelled = 3.min(total - failing);
    let mut input = vec![
        (
            with("checkout", "ok"),
            traffic.growing(total - failing - cancelled),
        ),
        (with("checkout", "error"), traffic.growing(failing - panics)),
        (with("checkout", "panic"), traffic.growing(panics)),
        (with("checkout", "cancelled"), traffic.growing(cancelled)),
        (with("list_orders", "ok"), traffic.growing(total - healthy)),
        (with("list_orders", "error"), traffic.growing(healthy)),
        (with("list_orders", "panic"), traffic.flat(0)),
        (with("ping", "ok"), traffic.growing(total)),
        (with("refund", "ok"), traffic.flat(7)),
        (with("refund", "error"), traffic.flat(1)),
        (with("refund", "panic"), traffic.flat(0)),
    ];
    // checkout is slow, list_orders fast, refund idle.
    let latency = traffic.latency(
        &format!("{full}_duration_seconds_bucket"),
        [
            &instance_labels("checkout"),
            &instance_labels("list_orders"),
            &instance_labels("refund"),
        ],
        100,
    );
    input.extend(latency.series);

    let alerts = traffic.failing_and_slow_alerts(
        options,
        [
            Alert::FunctionErrorRatioHigh { family },
            Alert::FunctionLatencyHigh { family },
        ],
        &traffic.labels(job, &[("module", module), ("function", "checkout")]),
        (&format!("{module}::checkout"), job),
        latency.slow_p99,
    );

    // The recorded series keep `job`, the kept labels, `module` and `function`.
    let recorded = |name: &str, function: &str, extra: &[(&str, &str)]| {
        let rest = [&[("module", module), ("function", function)][..], extra].concat();
        series(name, &traffic.labels(job, &rest))
    };
    let eval_minutes = traffic.time.fired;
    let exprs = vec![
        ExprCheck {
            expr: format!(r#"{}{{function="checkout"}}"#, names.rate),
            eval_minutes,
            samples: vec![
                (
                    recorded(&names.rate, "checkout", &[("result", "cancelled")]),
                    cancelled as f64,
                ),
                (
                    recorded(&names.rate, "checkout", &[("result", "error")]),
                    (failing - panics) as f64,
                ),
                (
                    recorded(&names.rate, "checkout", &[("result", "ok")]),
                    (total - failing - cancelled) as f64,
                ),
                (
                    recorded(&names.rate, "checkout", &[("result", "panic")]),
                    panics as f64,
                ),
            ],
        },
        ExprCheck {
            expr: names.errors_ratio.clone(),
            eval_minutes,
            // Errors and panics count, cancellations do not; a function without error series
            // and an idle one are 0, not missing and not NaN.
            samples: vec![
                (
                    recorded(&names.errors_ratio, "checkout", &[]),
                    traffic.ratio(failing),
                ),
                (
                    recorded(&names.errors_ratio, "list_orders", &[]),
                    traffic.ratio(healthy),
                ),
                (recorded(&names.errors_ratio, "ping", &[]), 0.0),
                (recorded(&names.errors_ratio, "refund", &[]), 0.0),
            ],
        },
        ExprCheck {
            // An idle function has no p99 (NaN), which no threshold crosses; it is left out here
            // because NaN equals nothing.
            expr: format!(r#"{}{{function!="refund"}}"#, names.p99),
            eval_minutes,
            samples: vec![
                (recorded(&names.p99, "checkout", &[]), latency.slow_p99),
                (recorded(&names.p99, "list_orders", &[]), latency.fast_p99),
            ],
        },
    ];
    UnitTest {
        name: format!(
            "{full}: checkout fails and is slow, list_orders is healthy, ping has no error series, refund is idle"
        ),
        series: input,
        alerts,
        exprs,
    }
}

//! `tests/instances_test.yml`: a scrape target that goes down and one that stays up.

use crate::alerts::{Alert, Subject};
use crate::crafted::series;
use crate::options::Options;
use crate::unit_tests::{ExpectedAlert, UnitTest, quiet_then_firing, unit_test_file};

pub fn instances_test_file(options: &Options) -> String {
    unit_test_file(
        options,
        "Scrape targets: InstanceDown firing and quiet.",
        &[instance_down_test(options)],
    )
}

fn instance_down_test(options: &Options) -> UnitTest {
    let for_minutes = options.for_seconds.div_ceil(60);
    // b goes down at minute 2 and stays down; a stays up; with --jobs, a target of another job
    // goes down too and is not ours to report.
    let down_at = 2;
    let fired = down_at + for_minutes + 1;
    let n = fired + 1;
    let job = options.jobs.first().map_or("shop", String::as_str);
    let mut other = "unrelated".to_owned();
    while options.jobs.contains(&other) {
        other.push('_');
    }
    let up = |instance: &str, job: &str| series("up", &[("job", job), ("instance", instance)]);
    let down_from = |minute: u64| format!("1x{} 0x{}", minute - 1, n - minute);
    let mut input = vec![
        (up("shop-1:9000", job), format!("1x{n}")),
        (up("shop-2:9000", job), down_from(down_at)),
    ];
    if !options.jobs.is_empty() {
        input.push((up("other-1:9000", &other), down_from(down_at)));
    }
    let down = "shop-2:9000";
    let subject = Subject {
        who: down,
        job,
        value: "",
    };
    let expected = ExpectedAlert::new(
        options,
        &Alert::InstanceDown,
        &[("job", job), ("instance", down)],
        &subject,
    );
    let alerts = quiet_then_firing(
        (options.for_seconds >= 60).then(|| down_at + options.for_seconds / 60 - 1),
        fired,
        vec![expected],
    );
    UnitTest {
        name: "InstanceDown: shop-2 stops answering at minute 2, shop-1 stays up".to_owned(),
        series: input,
        alerts,
        exprs: Vec::new(),
    }
}

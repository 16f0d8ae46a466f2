//! `#[derive(MetricLabel)]`: unit variants, tuple and struct variants (labelled by their name),
//! snake_case by default, `rename`, generics, lifetimes and where clauses, explicit
//! discriminants, and a one-variant enum.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(MetricLabel)]
enum Kind {
    Full,
    Incremental {
        since: u64,
    },
    #[metric_label(rename = "cdc")]
    ChangeDataCapture(u32, u32),
    HTTPSource,
    Utf8Error,
}

#[derive(MetricLabel)]
enum Outcome<'a, T: Clone, E>
where
    E: std::fmt::Debug,
{
    Done(&'a T),
    Failed(E),
    #[metric_label(rename = "skipped-by-filter")]
    Skipped,
}

#[derive(Clone, Copy, MetricLabel)]
#[repr(u8)]
enum Level {
    Low = 10,
    High = 20,
}

#[derive(MetricLabel)]
enum Only {
    One,
}

#[instrument_metrics(labels(kind))]
fn sync_kind(kind: &Kind) -> u8 {
    match kind {
        Kind::Full => 0,
        Kind::Incremental { since } => u8::try_from(*since).unwrap_or(u8::MAX),
        Kind::ChangeDataCapture(from, to) => u8::try_from(to - from).unwrap_or(u8::MAX),
        Kind::HTTPSource | Kind::Utf8Error => 2,
    }
}

#[instrument_metrics(labels(outcome, level))]
fn generic<T: Clone + Into<u8>>(outcome: &Outcome<'_, T, String>, level: Level) -> u8 {
    match outcome {
        Outcome::Done(value) => (*value).clone().into() + level as u8,
        Outcome::Failed(reason) => u8::try_from(reason.len()).unwrap_or(u8::MAX),
        Outcome::Skipped => 0,
    }
}

#[instrument_metrics(labels(only = Only::One))]
fn one() -> u8 {
    1
}

fn main() {
    assert_eq!(
        Kind::VALUES,
        ["full", "incremental", "cdc", "http_source", "utf8_error"]
    );
    assert_eq!(Kind::Incremental { since: 3 }.label(), "incremental");
    assert_eq!(Kind::ChangeDataCapture(1, 2).label(), "cdc");
    assert_eq!(sync_kind(&Kind::Incremental { since: 3 }), 3);
    assert_eq!(
        <Outcome<'_, u8, String>>::VALUES,
        ["done", "failed", "skipped-by-filter"]
    );
    assert_eq!(
        Outcome::<u8, String>::Failed("x".to_owned()).label(),
        "failed"
    );
    assert_eq!(Level::High.index(), 1);
    assert_eq!(Level::High.label(), "high");
    let value = 5_u8;
    assert_eq!(
        generic(&Outcome::<u8, String>::Done(&value), Level::Low),
        15
    );
    assert_eq!(generic(&Outcome::<u8, String>::Skipped, Level::High), 0);
    assert_eq!(sync_kind(&Kind::ChangeDataCapture(1, 3)), 2);
    assert_eq!(sync_kind(&Kind::Full), 0);
    assert_eq!(Kind::HTTPSource.label(), "http_source");
    assert_eq!(Kind::Utf8Error.label(), "utf8_error");
    assert_eq!(Only::VALUES, ["one"]);
    assert_eq!(one(), 1);
}

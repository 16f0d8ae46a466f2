//! `labels(..)`: literal values, and expressions of every `MetricLabel` type the runtime ships
//! (`bool`, `Ordering`, `IpAddr`, `SocketAddr`, references to them) or an enum derives; field
//! accesses and method calls on parameters; the `labels(flag)` shorthand; raw identifiers as
//! label names; literal and argument labels mixed.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(Clone, Copy, MetricLabel)]
enum Kind {
    Full,
    Incremental,
}

struct Job {
    kind: Kind,
    retry: bool,
}

impl Job {
    fn kind(&self) -> Kind {
        self.kind
    }
}

#[instrument_metrics(labels(pipeline = "ingest", stage = "extract"))]
fn literal_only() -> u8 {
    1
}

#[instrument_metrics(labels(pipeline = "ingest", kind = job.kind, retry = job.retry))]
fn fields(job: &Job) -> u8 {
    u8::from(job.retry)
}

#[instrument_metrics(labels(kind = job.kind()))]
fn method_call(job: Job) -> u8 {
    job.kind() as u8
}

#[instrument_metrics(labels(cached))]
fn shorthand(cached: bool) -> bool {
    cached
}

#[instrument_metrics(labels(order = left.cmp(&right)))]
fn compare(left: u32, right: u32) -> u32 {
    left.max(right)
}

#[instrument_metrics(labels(family = *peer, listener = listener))]
fn accept(peer: &IpAddr, listener: SocketAddr) -> bool {
    peer.is_loopback() && listener.port() > 0
}

#[instrument_metrics(labels(r#type = kind, r#async = "no"))]
fn raw_names(kind: &&Kind) -> u8 {
    **kind as u8
}

/// A label value that is neither a parameter nor a literal: a constant of a label type.
const DEFAULT_KIND: Kind = Kind::Full;

#[instrument_metrics(labels(kind = DEFAULT_KIND))]
fn constant() -> u8 {
    0
}

fn main() {
    let job = Job {
        kind: Kind::Incremental,
        retry: true,
    };
    assert_eq!(literal_only(), 1);
    assert_eq!(fields(&job), 1);
    assert_eq!(method_call(job), 1);
    assert!(shorthand(true));
    assert_eq!(compare(1, 2), 2);
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    assert!(accept(&loopback, SocketAddr::new(loopback, 9000)));
    assert_eq!(raw_names(&&Kind::Full), 0);
    assert_eq!(constant(), 0);
    assert_eq!(Kind::VALUES, ["full", "incremental"]);
    assert_eq!(Ordering::Less.label(), "less");
}

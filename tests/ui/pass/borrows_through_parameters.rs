//! Bodies that hand out what their parameters borrow, with the function's lifetime: the closure a
//! body runs in must not shorten it. Function types in the return type keep their
//! higher-ranked lifetimes, and a `mut` parameter stays used.
#![deny(warnings)]

use instrument_metrics::instrument_metrics;

struct Buf<'a> {
    data: &'a mut [u8],
}

/// A struct holding a `&mut`, taken by value, handing out a reborrow for `'a`.
#[instrument_metrics]
fn first<'a>(buf: Buf<'a>) -> &'a mut u8 {
    &mut buf.data[0]
}

/// A function pointer in and out: its lifetimes are the signature's, not inferred ones.
#[instrument_metrics]
fn pick<'a>(choose: fn(&'a str) -> &'a str) -> fn(&'a str) -> &'a str {
    choose
}

struct Keep<'a> {
    keep: Box<dyn Fn(&'a str) -> bool + 'a>,
}

impl<'a> Keep<'a> {
    #[instrument_metrics]
    fn into_inner(self) -> Box<dyn Fn(&'a str) -> bool + 'a> {
        self.keep
    }
}

struct Counter {
    count: u8,
}

trait Slot<'a> {
    fn slot(self) -> &'a mut u8;
}

/// `self` by value whose type is a `&mut`.
impl<'a> Slot<'a> for &'a mut Counter {
    #[instrument_metrics]
    fn slot(self) -> &'a mut u8 {
        &mut self.count
    }
}

/// A `mut` parameter reassigned in the body: its `mut` is needed, with the attribute too.
#[instrument_metrics]
fn skip_one(mut rest: &mut [u8]) -> usize {
    rest = &mut rest[1..];
    rest.len()
}

fn main() {
    let mut bytes = [1, 2, 3];
    *first(Buf { data: &mut bytes }) = 9;
    assert_eq!(bytes[0], 9);
    fn identity(text: &str) -> &str {
        text
    }
    assert_eq!(pick(identity)("x"), "x");
    let keep = Keep {
        keep: Box::new(|text: &str| text.is_empty()),
    };
    assert!((keep.into_inner())(""));
    let mut counter = Counter { count: 0 };
    *(&mut counter).slot() += 1;
    assert_eq!(counter.count, 1);
    assert_eq!(skip_one(&mut bytes), 2);
}

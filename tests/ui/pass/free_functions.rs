//! Free functions: sync and async, generics with lifetimes, bounds and where-clauses, `impl Trait`
//! in argument and return position, patterns in arguments and `unsafe fn`.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::fmt::Display;

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn sync_free(x: u32) -> u32 {
    x + 1
}

#[instrument_metrics]
fn unit_return() {
    std::hint::black_box(());
}

#[instrument_metrics]
async fn async_free(x: u32) -> u32 {
    tokio::task::yield_now().await;
    x * 2
}

#[instrument_metrics]
async fn async_unit() {}

#[instrument_metrics]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[instrument_metrics]
fn elided(s: &str) -> &str {
    s.trim()
}

#[instrument_metrics]
fn bounded<T: Display + Clone, const N: usize>(items: [T; N]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[instrument_metrics]
fn with_where<K, V>(pairs: &[(K, V)]) -> Option<&V>
where
    K: PartialEq<&'static str>,
{
    pairs.iter().find(|(k, _)| *k == "key").map(|(_, v)| v)
}

#[instrument_metrics]
async fn async_generic<'a, T>(value: &'a T) -> &'a T
where
    T: Sync + ?Sized,
{
    tokio::task::yield_now().await;
    value
}

#[instrument_metrics]
fn impl_arg(items: impl IntoIterator<Item = u32>) -> u32 {
    items.into_iter().sum()
}

#[instrument_metrics]
fn impl_return(n: u32) -> impl Iterator<Item = u32> + Clone {
    (0..n).map(|i| i * i)
}

#[instrument_metrics]
fn impl_nested_return(n: u32) -> Option<impl Display> {
    (n > 0).then_some(n)
}

#[instrument_metrics]
async fn async_impl_arg(name: impl AsRef<str> + Send) -> usize {
    name.as_ref().len()
}

#[instrument_metrics]
fn tuple_pattern((a, b): (u32, u32), [first, ..]: [u8; 3]) -> u32 {
    a + b + u32::from(first)
}

#[instrument_metrics]
fn mut_binding(mut x: Vec<u32>) -> Vec<u32> {
    x.push(1);
    x
}

struct Pair {
    left: u32,
    right: u32,
}

#[instrument_metrics]
async fn async_patterns(Pair { left, right }: Pair, mut total: u32) -> u32 {
    total += left + right;
    total
}

/// # Safety
/// `ptr` must be valid for reads.
#[instrument_metrics]
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

/// # Safety
/// `ptr` must be valid for reads.
#[instrument_metrics]
async unsafe fn async_read(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

/// # Safety
/// `ptr` must be valid for reads.
#[allow(unsafe_op_in_unsafe_fn)]
#[instrument_metrics]
unsafe fn read_without_block(ptr: *const u32) -> u32 {
    *ptr
}

#[instrument_metrics]
async fn async_impl_return(n: u32) -> impl Display {
    n
}

#[instrument_metrics]
#[must_use]
#[inline]
#[track_caller]
fn with_attributes() -> u32 {
    1
}

#[instrument_metrics]
pub(crate) extern "C" fn with_abi(x: u32) -> u32 {
    x
}

#[instrument_metrics]
fn outer() -> u32 {
    #[instrument_metrics]
    fn inner() -> u32 {
        7
    }
    inner()
}

#[instrument_metrics]
fn recursive(n: u64) -> u64 {
    if n == 0 { 1 } else { n * recursive(n - 1) }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(sync_free(1), 2);
    unit_return();
    assert_eq!(runtime.block_on(async_free(2)), 4);
    runtime.block_on(async_unit());
    assert_eq!(longest("ab", "c"), "ab");
    assert_eq!(elided(" x "), "x");
    assert_eq!(bounded([1, 2]), "1,2");
    assert_eq!(with_where(&[("key", 1)]), Some(&1));
    assert_eq!(runtime.block_on(async_generic("s")), "s");
    assert_eq!(impl_arg([1, 2]), 3);
    assert_eq!(impl_return(3).clone().sum::<u32>(), 5);
    assert_eq!(
        impl_nested_return(1).map(|n| n.to_string()),
        Some("1".to_owned())
    );
    assert_eq!(runtime.block_on(async_impl_arg("abc")), 3);
    assert_eq!(tuple_pattern((1, 2), [3, 4, 5]), 6);
    assert_eq!(mut_binding(Vec::new()), [1]);
    assert_eq!(
        runtime.block_on(async_patterns(Pair { left: 1, right: 2 }, 3)),
        6
    );
    let value = 5;
    // SAFETY: `&value` is valid.
    assert_eq!(unsafe { read(&value) }, 5);
    // SAFETY: `&value` is valid.
    assert_eq!(runtime.block_on(unsafe { async_read(&value) }), 5);
    // SAFETY: `&value` is valid.
    assert_eq!(unsafe { read_without_block(&value) }, 5);
    assert_eq!(runtime.block_on(async_impl_return(4)).to_string(), "4");
    assert_eq!(with_attributes(), 1);
    assert_eq!(with_abi(1), 1);
    assert_eq!(outer(), 7);
    assert_eq!(recursive(3), 6);
}

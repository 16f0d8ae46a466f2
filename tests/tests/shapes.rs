//! Every signature shape `#[instrument_metrics]` supports, instrumented in one crate held to
//! `deny(warnings)`, `deny(unused_qualifications)` and `clippy::pedantic` (CI denies its warnings),
//! and run under a debugging recorder: each test asserts the exact calls counted per `function`
//! and `result` label, one duration sample per call and an in-flight gauge back at zero.
#![deny(warnings, unused_qualifications)]
#![warn(clippy::pedantic)]
// The attribute keeps what clippy says about a function; these shapes are written as they are on
// purpose (an `async fn` that awaits nothing, named lifetimes, a boxed receiver, an array taken by
// value), so the lints that would rewrite them are allowed.
#![allow(
    clippy::unused_async,
    clippy::needless_lifetimes,
    clippy::boxed_local,
    clippy::needless_pass_by_value,
    reason = "the shapes under test"
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Display, Write as _};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use instrument_metrics::instrument_metrics;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

// ---------------------------------------------------------------------------------------------
// What a test's calls recorded.

/// The series one closure recorded into a thread-local debugging recorder.
struct Recorded {
    /// `(function, result)` -> count, for counters above zero.
    calls: BTreeMap<(String, String), u64>,
    /// `function` -> number of duration samples.
    durations: BTreeMap<String, usize>,
    /// `function` -> in-flight gauge value.
    in_flight: BTreeMap<String, f64>,
    /// Every `module` label seen.
    modules: BTreeSet<String>,
}

impl Recorded {
    fn capture(run: impl FnOnce()) -> Recorded {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, run);
        let mut seen = Recorded {
            calls: BTreeMap::new(),
            durations: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            modules: BTreeSet::new(),
        };
        for (key, _unit, _description, value) in snapshotter.snapshot().into_vec() {
            let key = key.key();
            let label = |name: &str| {
                key.labels()
                    .find(|label| label.key() == name)
                    .map(|label| label.value().to_owned())
            };
            let function = label("function").expect("every series has a `function` label");
            seen.modules
                .insert(label("module").expect("every series has a `module` label"));
            match (key.name(), value) {
                ("function_calls_total", DebugValue::Counter(count)) if count > 0 => {
                    let result = label("result").expect("calls have a `result` label");
                    seen.calls.insert((function, result), count);
                }
                ("function_calls_total", DebugValue::Counter(_)) => {}
                ("function_calls_duration_seconds", DebugValue::Histogram(samples)) => {
                    seen.durations.insert(function, samples.len());
                }
                ("function_calls_in_flight", DebugValue::Gauge(value)) => {
                    seen.in_flight.insert(function, value.0);
                }
                (name, value) => panic!("unexpected series {name}: {value:?}"),
            }
        }
        seen
    }

    /// Asserts the exact calls counted, and that every call has one duration sample and left the
    /// in-flight gauge at zero.
    fn assert_calls(&self, expected: &[(&str, &str, u64)]) {
        let expected: BTreeMap<(String, String), u64> = expected
            .iter()
            .map(|(function, result, count)| {
                (((*function).to_owned(), (*result).to_owned()), *count)
            })
            .collect();
        assert_eq!(self.calls, expected, "calls by (function, result)");
        let mut per_function: BTreeMap<String, usize> = BTreeMap::new();
        for ((function, _), count) in &self.calls {
            *per_function.entry(function.clone()).or_default() += usize::try_from(*count).unwrap();
        }
        assert_eq!(self.durations, per_function, "one duration sample per call");
        for (function, value) in &self.in_flight {
            assert!(
                value.abs() < f64::EPSILON,
                "{function} is still in flight: {value}"
            );
        }
        assert_eq!(
            self.in_flight.keys().collect::<Vec<_>>(),
            per_function.keys().collect::<Vec<_>>(),
            "an in-flight gauge per function"
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Free functions.

#[instrument_metrics]
fn sync_free(x: u32) -> u32 {
    x + 1
}

#[instrument_metrics]
fn unit_return(log: &mut Vec<u32>) {
    log.push(1);
}

#[instrument_metrics]
async fn async_free(x: u32) -> u32 {
    tokio::task::yield_now().await;
    x * 2
}

#[instrument_metrics]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[instrument_metrics]
fn joined<T: Display + Clone, const N: usize>(items: [T; N]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[instrument_metrics]
fn find_key<K, V>(pairs: &[(K, V)]) -> Option<&V>
where
    K: PartialEq<&'static str>,
{
    pairs
        .iter()
        .find(|(key, _)| *key == "key")
        .map(|(_, value)| value)
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
fn sum_all(items: impl IntoIterator<Item = u32>) -> u32 {
    items.into_iter().sum()
}

#[instrument_metrics]
fn squares(n: u32) -> impl Iterator<Item = u32> {
    (0..n).map(|i| i * i)
}

#[instrument_metrics]
fn tuple_pattern((a, b): (u32, u32)) -> u32 {
    a + b
}

#[instrument_metrics]
fn mut_binding(mut items: Vec<u32>) -> Vec<u32> {
    items.push(1);
    items
}

/// # Safety
/// `ptr` must be valid for reads.
#[instrument_metrics]
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

fn outer() -> u32 {
    #[instrument_metrics]
    fn inner() -> u32 {
        7
    }
    inner()
}

#[instrument_metrics]
fn r#match(r#type: u32) -> u32 {
    r#type
}

#[test]
fn free_functions() {
    let recorded = Recorded::capture(|| {
        let runtime = runtime();
        assert_eq!(sync_free(1), 2);
        assert_eq!(sync_free(2), 3);
        let mut log = Vec::new();
        unit_return(&mut log);
        assert_eq!(runtime.block_on(async_free(2)), 4);
        assert_eq!(longest("ab", "c"), "ab");
        assert_eq!(joined([1, 2]), "1,2");
        assert_eq!(find_key(&[("key", 1)]), Some(&1));
        assert_eq!(runtime.block_on(async_generic("s")), "s");
        assert_eq!(sum_all([1, 2]), 3);
        assert_eq!(squares(3).sum::<u32>(), 5);
        assert_eq!(tuple_pattern((1, 2)), 3);
        assert_eq!(mut_binding(Vec::new()), [1]);
        let value = 5;
        // SAFETY: `&value` is valid for reads.
        assert_eq!(unsafe { read(&raw const value) }, 5);
        assert_eq!(outer(), 7);
        assert_eq!(r#match(1), 1);
    });
    recorded.assert_calls(&[
        ("async_free", "ok", 1),
        ("async_generic", "ok", 1),
        ("find_key", "ok", 1),
        ("joined", "ok", 1),
        ("longest", "ok", 1),
        ("match", "ok", 1),
        ("mut_binding", "ok", 1),
        ("inner", "ok", 1),
        ("read", "ok", 1),
        ("squares", "ok", 1),
        ("sum_all", "ok", 1),
        ("sync_free", "ok", 2),
        ("tuple_pattern", "ok", 1),
        ("unit_return", "ok", 1),
    ]);
    assert_eq!(recorded.modules, BTreeSet::from(["shapes".to_owned()]));
}

// ---------------------------------------------------------------------------------------------
// Methods and associated functions.

#[derive(Clone, Default)]
struct Store {
    items: Vec<String>,
}

impl Store {
    #[instrument_metrics]
    fn new() -> Self {
        Store::default()
    }

    #[instrument_metrics]
    fn get(&self, index: usize) -> Option<&str> {
        self.items.get(index).map(String::as_str)
    }

    #[instrument_metrics]
    fn items_mut(&mut self) -> &mut Vec<String> {
        &mut self.items
    }

    #[instrument_metrics]
    fn push(&mut self, item: &str) {
        self.items.push(item.to_owned());
    }

    #[instrument_metrics]
    fn into_items(self) -> Vec<String> {
        self.items
    }

    #[instrument_metrics]
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[instrument_metrics]
    async fn aget(&self, index: usize) -> Option<&String> {
        tokio::task::yield_now().await;
        self.items.get(index)
    }

    #[instrument_metrics]
    async fn apush(&mut self, item: String) -> &mut Self {
        self.items.push(item);
        self
    }
}

/// A generic type whose whole impl block is instrumented.
struct Window<'a, T> {
    inner: &'a [T],
}

#[instrument_metrics]
impl<'a, T: Clone> Window<'a, T> {
    fn new(inner: &'a [T]) -> Self {
        Window { inner }
    }

    fn first(&self) -> Option<&'a T> {
        self.inner.first()
    }

    fn converted<U>(&self) -> Vec<U>
    where
        T: Into<U>,
    {
        self.inner.iter().cloned().map(Into::into).collect()
    }

    async fn alen(&self) -> usize {
        self.inner.len()
    }

    /// Left alone: it cannot be instrumented, and the block does not try.
    const fn capacity() -> usize {
        8
    }
}

#[test]
fn methods() {
    let recorded = Recorded::capture(|| {
        let runtime = runtime();
        let mut store = Store::new();
        store.push("a");
        store.items_mut().push("b".to_owned());
        assert_eq!(store.get(0), Some("a"));
        assert_eq!(store.get(5), None);
        assert_eq!(
            runtime.block_on(store.aget(1)).map(String::as_str),
            Some("b")
        );
        runtime
            .block_on(store.apush("c".to_owned()))
            .items
            .push("d".to_owned());
        assert_eq!(Box::new(store.clone()).boxed(), 4);
        assert_eq!(store.into_items().len(), 4);

        let numbers = [1_u8, 2];
        let window = Window::new(&numbers);
        assert_eq!(window.first(), Some(&1));
        assert_eq!(window.converted::<u32>(), [1, 2]);
        assert_eq!(runtime.block_on(window.alen()), 2);
        assert_eq!(Window::<u8>::capacity(), 8);
    });
    recorded.assert_calls(&[
        ("Store::aget", "ok", 1),
        ("Store::apush", "ok", 1),
        ("Store::boxed", "ok", 1),
        ("Store::get", "ok", 2),
        ("Store::into_items", "ok", 1),
        ("Store::items_mut", "ok", 1),
        ("Store::new", "ok", 1),
        ("Store::push", "ok", 1),
        ("Window::alen", "ok", 1),
        ("Window::converted", "ok", 1),
        ("Window::first", "ok", 1),
        ("Window::new", "ok", 1),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Trait impls: native `async fn` in traits and `#[async_trait]` in every arrangement.

trait Repository {
    fn load(&self, id: usize) -> Result<String, String>;
    async fn fetch(&self, id: usize) -> Option<usize>;
}

impl Repository for Store {
    #[instrument_metrics]
    fn load(&self, id: usize) -> Result<String, String> {
        self.items
            .get(id)
            .cloned()
            .ok_or_else(|| format!("no item {id}"))
    }

    #[instrument_metrics]
    async fn fetch(&self, id: usize) -> Option<usize> {
        tokio::task::yield_now().await;
        (id < self.items.len()).then_some(id)
    }
}

trait Convert {
    fn convert(&self) -> u64;
}

#[instrument_metrics]
impl Convert for &Store {
    fn convert(&self) -> u64 {
        self.items.len() as u64
    }
}

#[async_trait]
trait Service {
    async fn call(&self, request: u32) -> Result<u32, String>;
    async fn reset(&mut self);
}

/// `#[async_trait]` above `#[instrument_metrics]`: the bodies the attribute sees are
/// `Box::pin(async move {..})`.
struct Doubler;

#[async_trait]
#[instrument_metrics]
impl Service for Doubler {
    async fn call(&self, request: u32) -> Result<u32, String> {
        tokio::task::yield_now().await;
        if request == 0 {
            return Err("zero".to_owned());
        }
        Ok(request * 2)
    }

    async fn reset(&mut self) {}
}

/// `#[instrument_metrics]` above `#[async_trait]`: the attribute sees native `async fn`s.
struct Tripler;

#[instrument_metrics]
#[async_trait]
impl Service for Tripler {
    async fn call(&self, request: u32) -> Result<u32, String> {
        let tripled = request.checked_mul(3).ok_or("overflow")?;
        Ok(tripled)
    }

    async fn reset(&mut self) {}
}

/// `#[instrument_metrics]` on one method of an `#[async_trait]` impl.
struct Echo;

#[async_trait]
impl Service for Echo {
    #[instrument_metrics]
    async fn call(&self, request: u32) -> Result<u32, String> {
        Ok(request)
    }

    async fn reset(&mut self) {}
}

#[test]
fn trait_impls() {
    let recorded = Recorded::capture(|| {
        let runtime = runtime();
        let store = Store {
            items: vec!["a".to_owned()],
        };
        assert!(store.load(0).is_ok());
        assert!(store.load(1).is_err());
        assert_eq!(runtime.block_on(store.fetch(0)), Some(0));
        assert_eq!((&store).convert(), 1);

        let mut doubler = Doubler;
        assert_eq!(runtime.block_on(doubler.call(2)), Ok(4));
        assert!(runtime.block_on(doubler.call(0)).is_err());
        runtime.block_on(doubler.reset());
        let mut tripler = Tripler;
        assert_eq!(runtime.block_on(tripler.call(2)), Ok(6));
        assert!(runtime.block_on(tripler.call(u32::MAX)).is_err());
        runtime.block_on(tripler.reset());
        let service: Box<dyn Service> = Box::new(Echo);
        assert_eq!(runtime.block_on(service.call(1)), Ok(1));
    });
    recorded.assert_calls(&[
        ("Doubler::call", "error", 1),
        ("Doubler::call", "ok", 1),
        ("Doubler::reset", "ok", 1),
        ("Echo::call", "ok", 1),
        ("Store::convert", "ok", 1),
        ("Store::fetch", "ok", 1),
        ("Store::load", "error", 1),
        ("Store::load", "ok", 1),
        ("Tripler::call", "error", 1),
        ("Tripler::call", "ok", 1),
        ("Tripler::reset", "ok", 1),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Futures built by a body's tail `async move` block, and functions that never return.

#[instrument_metrics]
fn delayed(x: u32) -> impl Future<Output = Result<u32, String>> {
    let doubled = x * 2;
    async move {
        tokio::task::yield_now().await;
        if doubled == 0 {
            Err("zero".to_owned())
        } else {
            Ok(doubled)
        }
    }
}

#[instrument_metrics]
fn boxed_future(x: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move { x + 1 })
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[instrument_metrics]
fn aliased_future(values: &[&str]) -> BoxFuture<Result<Vec<u32>, std::num::ParseIntError>> {
    let values: Vec<String> = values.iter().map(ToString::to_string).collect();
    Box::pin(async move { values.iter().map(|value| value.parse()).collect() })
}

#[instrument_metrics]
async fn never_finishes() {
    std::future::pending::<()>().await;
}

#[instrument_metrics]
fn fail(message: &str) -> ! {
    panic!("{message}")
}

#[instrument_metrics]
async fn serve_forever() -> ! {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[instrument_metrics]
async fn async_fail(message: &str) -> ! {
    tokio::task::yield_now().await;
    panic!("{message}")
}

#[instrument_metrics]
fn may_panic(panic: bool) -> u32 {
    assert!(!panic, "asked to panic");
    1
}

#[test]
fn futures_and_unwinding() {
    let recorded = Recorded::capture(|| {
        let runtime = runtime();
        // Built and dropped unpolled: the future never started, so nothing is recorded.
        drop(delayed(1));
        assert_eq!(runtime.block_on(delayed(1)), Ok(2));
        assert!(runtime.block_on(delayed(0)).is_err());
        assert_eq!(runtime.block_on(boxed_future(1)), 2);
        assert_eq!(runtime.block_on(aliased_future(&["1"])), Ok(vec![1]));
        assert!(runtime.block_on(aliased_future(&["x"])).is_err());
        let timed_out = runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(1), never_finishes()).await
        });
        assert!(timed_out.is_err(), "the timeout drops the future");
        let timed_out = runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(1), serve_forever()).await
        });
        assert!(timed_out.is_err(), "the timeout drops the future");
        assert!(std::panic::catch_unwind(|| runtime.block_on(async_fail("boom"))).is_err());
        assert!(std::panic::catch_unwind(|| fail("boom")).is_err());
        assert!(std::panic::catch_unwind(|| may_panic(true)).is_err());
        assert_eq!(may_panic(false), 1);
    });
    recorded.assert_calls(&[
        ("aliased_future", "error", 1),
        ("aliased_future", "ok", 1),
        ("async_fail", "panic", 1),
        ("boxed_future", "ok", 1),
        ("delayed", "error", 1),
        ("delayed", "ok", 1),
        ("fail", "panic", 1),
        ("may_panic", "ok", 1),
        ("may_panic", "panic", 1),
        ("never_finishes", "cancelled", 1),
        ("serve_forever", "cancelled", 1),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Results of every spelling, early returns and `?`, and inferred tail expressions.

#[derive(Debug)]
struct MyError;

type MyResult<T> = Result<T, MyError>;

#[instrument_metrics]
fn io_result(path: &str) -> io::Result<usize> {
    if path.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "empty path"));
    }
    Ok(path.len())
}

#[instrument_metrics]
fn fmt_result(out: &mut String, fail: bool) -> fmt::Result {
    if fail {
        return Err(fmt::Error);
    }
    write!(out, "x")?;
    Ok(())
}

#[instrument_metrics]
fn anyhow_result(value: &str) -> anyhow::Result<u32> {
    let parsed = value.parse::<u32>()?;
    anyhow::ensure!(parsed > 0, "zero");
    Ok(parsed)
}

#[instrument_metrics]
fn alias_result(value: u32) -> MyResult<u32> {
    if value == 0 { Err(MyError) } else { Ok(value) }
}

#[instrument_metrics]
async fn async_alias(value: u32) -> MyResult<u32> {
    let checked = alias_result(value)?;
    Ok(checked + 1)
}

#[instrument_metrics]
fn option_early_return(value: Option<u32>) -> Option<u32> {
    let value = value?;
    Some(value + 1)
}

#[instrument_metrics]
fn collect_map(keys: &[&'static str]) -> HashMap<&'static str, usize> {
    keys.iter().map(|key| (*key, key.len())).collect()
}

#[instrument_metrics]
fn parse_all(values: &[&str]) -> Result<Vec<u32>, std::num::ParseIntError> {
    values.iter().map(|value| value.parse()).collect()
}

#[instrument_metrics]
fn into_string(value: &str) -> String {
    value.into()
}

#[instrument_metrics]
async fn async_into(value: u8) -> u64 {
    value.into()
}

#[test]
fn results_and_inference() {
    let recorded = Recorded::capture(|| {
        let runtime = runtime();
        assert_eq!(io_result("ab").unwrap(), 2);
        assert!(io_result("").is_err());
        let mut out = String::new();
        assert!(fmt_result(&mut out, false).is_ok());
        assert!(fmt_result(&mut out, true).is_err());
        assert_eq!(anyhow_result("3").unwrap(), 3);
        assert!(anyhow_result("0").is_err());
        assert!(anyhow_result("x").is_err());
        assert!(alias_result(0).is_err());
        assert_eq!(runtime.block_on(async_alias(1)).unwrap(), 2);
        assert!(runtime.block_on(async_alias(0)).is_err());
        // `None` is not an error: only `Result`s have one.
        assert_eq!(option_early_return(None), None);
        assert_eq!(collect_map(&["ab"])["ab"], 2);
        assert_eq!(parse_all(&["1", "2"]).unwrap(), [1, 2]);
        assert!(parse_all(&["x"]).is_err());
        assert_eq!(into_string("a"), "a");
        assert_eq!(runtime.block_on(async_into(2)), 2);
    });
    recorded.assert_calls(&[
        ("alias_result", "error", 2),
        ("alias_result", "ok", 1),
        ("anyhow_result", "error", 2),
        ("anyhow_result", "ok", 1),
        ("async_alias", "error", 1),
        ("async_alias", "ok", 1),
        ("async_into", "ok", 1),
        ("collect_map", "ok", 1),
        ("fmt_result", "error", 1),
        ("fmt_result", "ok", 1),
        ("into_string", "ok", 1),
        ("io_result", "error", 1),
        ("io_result", "ok", 1),
        ("option_early_return", "ok", 1),
        ("parse_all", "error", 1),
        ("parse_all", "ok", 1),
    ]);
}

// ---------------------------------------------------------------------------------------------
// The expansion in unusual surroundings: a local `mod metrics`, a re-exported runtime.

mod with_local_metrics {
    mod metrics {
        pub(super) fn weight(name: &str) -> usize {
            name.len()
        }
    }

    #[instrument_metrics::instrument_metrics]
    pub(super) fn weigh(name: &str) -> usize {
        metrics::weight(name)
    }
}

mod reexport {
    pub(crate) use instrument_metrics as im;
}

#[reexport::im::instrument_metrics(crate = crate::reexport::im)]
fn through_reexport(x: u32) -> u32 {
    x + 1
}

#[reexport::im::instrument_metrics(crate = crate::reexport::im)]
async fn async_through_reexport(x: u32) -> u32 {
    x + 2
}

#[test]
fn surroundings() {
    let recorded = Recorded::capture(|| {
        assert_eq!(with_local_metrics::weigh("abc"), 3);
        assert_eq!(through_reexport(1), 2);
        assert_eq!(runtime().block_on(async_through_reexport(1)), 3);
    });
    recorded.assert_calls(&[
        ("async_through_reexport", "ok", 1),
        ("through_reexport", "ok", 1),
        ("weigh", "ok", 1),
    ]);
    assert_eq!(
        recorded.modules,
        BTreeSet::from(["shapes".to_owned(), "shapes::with_local_metrics".to_owned()])
    );
}

//! What instrumented calls record, read back from the exporter's rendered exposition: exact counts
//! per `result` for every spelling of `Result`, panics, cancelled futures and early returns, the
//! in-flight gauge while a call runs and back at zero after, histogram counts and buckets, what a
//! future's duration measures, and the `function` labels of methods.
//!
//! The whole file is one process with one exporter, and its tests run in parallel: each test has
//! its own instrumented functions so their counts cannot mix.
// The attribute keeps what clippy says about a function; these shapes are written as they are on
// purpose (futures built by `async` blocks, a boxed receiver, named lifetimes, a method named
// `from_*` with `self`), so the lints that would rewrite them are allowed.
#![allow(
    clippy::manual_async_fn,
    clippy::boxed_local,
    clippy::needless_lifetimes,
    clippy::wrong_self_convention,
    reason = "the shapes under test"
)]

mod support;

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::panic::catch_unwind;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use instrument_metrics::{Builder, DEFAULT_BUCKETS, Exporter, instrument_metrics};
use support::calls::{Calls, calls, duration_sum};
use support::exposition::{self, expect_value, samples};

/// `module_path!()` of this test crate's root.
const MODULE: &str = "outcomes";

/// Installs the exporter on first use; every test calls it before its first instrumented call.
fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        Builder::new()
            .listen_address(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .install()
            .expect("the exporter installs on a free loopback port")
    })
}

fn rendered(function: &str) -> Calls {
    calls(&exporter().render(), function, MODULE)
}

/// The pattern every "ok and error" test calls with: three successes and two failures.
const FAILS: [bool; 5] = [false, true, false, true, false];

#[test]
fn the_exposition_helper_reads_exact_label_sets_and_escapes() {
    let text = "# HELP x_total y\nx_total{a=\"1\",b=\"q\\\"uote\\\\d\\n\"} 3\nplain 4.5\n";
    assert_eq!(
        exposition::value(text, "x_total", &[("b", "q\"uote\\d\n"), ("a", "1")]),
        Some(3.0)
    );
    assert_eq!(
        exposition::value(text, "x_total", &[("a", "1")]),
        None,
        "the label set must match exactly"
    );
    assert_eq!(exposition::value(text, "plain", &[]), Some(4.5));
}

// ---------------------------------------------------------------------------------------------
// `Result` of every spelling, sync

#[derive(Debug)]
struct LocalError;

type LocalResult<T> = Result<T, LocalError>;

#[instrument_metrics]
fn sync_io(fail: bool) -> io::Result<u8> {
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
fn sync_anyhow(fail: bool) -> anyhow::Result<u8> {
    if fail {
        anyhow::bail!("failed");
    }
    Ok(1)
}

#[instrument_metrics]
fn sync_alias(fail: bool) -> LocalResult<u8> {
    if fail { Err(LocalError) } else { Ok(1) }
}

#[instrument_metrics]
fn sync_fmt(fail: bool) -> std::fmt::Result {
    if fail { Err(std::fmt::Error) } else { Ok(()) }
}

#[instrument_metrics]
fn sync_std(fail: bool) -> Result<u8, String> {
    if fail {
        Err("failed".to_owned())
    } else {
        Ok(1)
    }
}

/// `None` is not an error: only `Result`s can fail.
#[instrument_metrics]
fn sync_option(fail: bool) -> Option<u8> {
    (!fail).then_some(1)
}

#[instrument_metrics]
fn sync_unit(fail: bool) {
    std::hint::black_box(fail);
}

#[test]
fn sync_results_of_every_spelling_count_ok_and_error() {
    exporter();
    for fail in FAILS {
        assert_eq!(sync_io(fail).is_err(), fail);
        assert_eq!(sync_anyhow(fail).is_err(), fail);
        assert_eq!(sync_alias(fail).is_err(), fail);
        assert_eq!(sync_fmt(fail).is_err(), fail);
        assert_eq!(sync_std(fail).is_err(), fail);
        assert_eq!(sync_option(fail).is_none(), fail);
        sync_unit(fail);
    }
    for function in [
        "sync_io",
        "sync_anyhow",
        "sync_alias",
        "sync_fmt",
        "sync_std",
    ] {
        assert_eq!(
            rendered(function),
            Calls::finished(3, 2, 0, 0),
            "{function}"
        );
    }
    for function in ["sync_option", "sync_unit"] {
        assert_eq!(
            rendered(function),
            Calls::finished(5, 0, 0, 0),
            "{function}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// `Result` of every spelling, async and futures

#[instrument_metrics]
async fn async_io(fail: bool) -> io::Result<u8> {
    tokio::task::yield_now().await;
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
async fn async_anyhow(fail: bool) -> anyhow::Result<u8> {
    tokio::task::yield_now().await;
    if fail {
        anyhow::bail!("failed");
    }
    Ok(1)
}

#[instrument_metrics]
async fn async_alias(fail: bool) -> LocalResult<u8> {
    tokio::task::yield_now().await;
    if fail { Err(LocalError) } else { Ok(1) }
}

#[instrument_metrics]
async fn async_fmt(fail: bool) -> std::fmt::Result {
    tokio::task::yield_now().await;
    if fail { Err(std::fmt::Error) } else { Ok(()) }
}

#[instrument_metrics]
async fn async_option(fail: bool) -> Option<u8> {
    tokio::task::yield_now().await;
    (!fail).then_some(1)
}

#[instrument_metrics]
fn future_io(fail: bool) -> impl Future<Output = io::Result<u8>> {
    async move {
        tokio::task::yield_now().await;
        if fail {
            Err(io::Error::other("failed"))
        } else {
            Ok(1)
        }
    }
}

#[instrument_metrics]
fn boxed_future_alias(fail: bool) -> Pin<Box<dyn Future<Output = LocalResult<u8>> + Send>> {
    Box::pin(async move {
        tokio::task::yield_now().await;
        if fail { Err(LocalError) } else { Ok(1) }
    })
}

#[tokio::test]
async fn async_results_of_every_spelling_count_ok_and_error() {
    exporter();
    for fail in FAILS {
        assert_eq!(async_io(fail).await.is_err(), fail);
        assert_eq!(async_anyhow(fail).await.is_err(), fail);
        assert_eq!(async_alias(fail).await.is_err(), fail);
        assert_eq!(async_fmt(fail).await.is_err(), fail);
        assert_eq!(async_option(fail).await.is_none(), fail);
        assert_eq!(future_io(fail).await.is_err(), fail);
        assert_eq!(boxed_future_alias(fail).await.is_err(), fail);
    }
    for function in [
        "async_io",
        "async_anyhow",
        "async_alias",
        "async_fmt",
        "future_io",
        "boxed_future_alias",
    ] {
        assert_eq!(
            rendered(function),
            Calls::finished(3, 2, 0, 0),
            "{function}"
        );
    }
    assert_eq!(rendered("async_option"), Calls::finished(5, 0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Panics

#[instrument_metrics]
fn sync_may_panic(panic: bool) -> io::Result<u8> {
    assert!(!panic, "sync_may_panic was told to panic");
    Ok(1)
}

#[instrument_metrics]
fn sync_diverges() -> ! {
    panic!("sync_diverges never returns");
}

#[test]
fn a_caught_panic_is_counted_as_panic_and_the_gauge_returns_to_zero() {
    exporter();
    for panic in [false, true, true, false, true] {
        let caught = catch_unwind(|| sync_may_panic(panic));
        assert_eq!(caught.is_err(), panic);
    }
    assert_eq!(rendered("sync_may_panic"), Calls::finished(2, 0, 3, 0));

    let caught = catch_unwind(|| {
        sync_diverges();
    });
    assert!(caught.is_err());
    assert_eq!(rendered("sync_diverges"), Calls::finished(0, 0, 1, 0));
}

#[instrument_metrics]
async fn async_may_panic(panic: bool) -> io::Result<u8> {
    tokio::task::yield_now().await;
    assert!(!panic, "async_may_panic was told to panic");
    Ok(1)
}

#[instrument_metrics]
fn future_may_panic(panic: bool) -> impl Future<Output = u8> {
    async move {
        tokio::task::yield_now().await;
        assert!(!panic, "future_may_panic was told to panic");
        1
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_spawned_task_is_counted_as_panic_and_the_gauge_returns_to_zero() {
    exporter();
    for panic in [true, false, true] {
        let joined = tokio::spawn(async_may_panic(panic)).await;
        assert_eq!(
            joined.as_ref().is_err_and(tokio::task::JoinError::is_panic),
            panic,
            "{joined:?}"
        );
        let joined = tokio::spawn(future_may_panic(panic)).await;
        assert_eq!(
            joined.as_ref().is_err_and(tokio::task::JoinError::is_panic),
            panic,
            "{joined:?}"
        );
    }
    assert_eq!(rendered("async_may_panic"), Calls::finished(1, 0, 2, 0));
    assert_eq!(rendered("future_may_panic"), Calls::finished(1, 0, 2, 0));
}

// ---------------------------------------------------------------------------------------------
// Cancellation

#[instrument_metrics]
async fn async_never_ready() -> io::Result<u8> {
    std::future::pending::<()>().await;
    Ok(1)
}

#[instrument_metrics]
fn boxed_never_ready() -> Pin<Box<dyn Future<Output = u8> + Send>> {
    Box::pin(async move {
        std::future::pending::<()>().await;
        1
    })
}

#[instrument_metrics]
async fn async_slow_or_fast(slow: bool) -> io::Result<u8> {
    if slow {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    Ok(1)
}

#[tokio::test]
async fn a_future_dropped_by_timeout_is_counted_as_cancelled_and_the_gauge_returns_to_zero() {
    exporter();
    for _ in 0..3 {
        let timed_out = tokio::time::timeout(Duration::from_millis(10), async_never_ready()).await;
        assert!(timed_out.is_err());
    }
    assert_eq!(rendered("async_never_ready"), Calls::finished(0, 0, 0, 3));

    for _ in 0..2 {
        let timed_out = tokio::time::timeout(Duration::from_millis(10), boxed_never_ready()).await;
        assert!(timed_out.is_err());
    }
    assert_eq!(rendered("boxed_never_ready"), Calls::finished(0, 0, 0, 2));

    for slow in [true, false, true, false, false] {
        let finished =
            tokio::time::timeout(Duration::from_millis(20), async_slow_or_fast(slow)).await;
        assert_eq!(finished.is_err(), slow);
    }
    assert_eq!(rendered("async_slow_or_fast"), Calls::finished(3, 0, 0, 2));
}

#[instrument_metrics]
async fn async_never_polled() -> u8 {
    1
}

#[instrument_metrics]
fn future_never_polled() -> impl Future<Output = u8> {
    async move { 1 }
}

#[test]
fn a_future_dropped_before_its_first_poll_is_not_a_call() {
    exporter();
    {
        let _unpolled = async_never_polled();
        let _unpolled = future_never_polled();
    }
    let text = exporter().render();
    // Their series exist from `install()` on (zero-initialised), but hold no call.
    for function in ["async_never_polled", "future_never_polled"] {
        let values: Vec<f64> = samples(&text)
            .iter()
            .filter(|sample| sample.labels.get("function").map(String::as_str) == Some(function))
            .map(|sample| sample.value)
            .collect();
        assert!(
            !values.is_empty(),
            "{function} has no zero-initialised series:\n{text}"
        );
        assert!(
            values.iter().all(|value| *value == 0.0),
            "{function} was never polled, yet it has a call:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Early returns and `?`

#[instrument_metrics]
fn sync_parse(text: &str) -> Result<u32, String> {
    if text.is_empty() {
        return Err("empty".to_owned());
    }
    let number: u32 = text
        .parse()
        .map_err(|error: std::num::ParseIntError| error.to_string())?;
    if number == 0 {
        return Ok(0);
    }
    Ok(number * 2)
}

#[instrument_metrics]
fn sync_first_even(numbers: &[u32]) -> Option<u32> {
    for number in numbers {
        if number % 2 == 0 {
            return Some(*number);
        }
    }
    None
}

#[instrument_metrics]
fn sync_head_plus_one(numbers: &[u32]) -> Option<u32> {
    let head = numbers.first()?;
    Some(head + 1)
}

#[instrument_metrics]
async fn async_parse(text: String) -> anyhow::Result<u32> {
    if text.is_empty() {
        return Err(anyhow::anyhow!("empty"));
    }
    tokio::task::yield_now().await;
    let number: u32 = text.parse()?;
    tokio::task::yield_now().await;
    if number == 0 {
        return Ok(0);
    }
    Ok(number * 2)
}

#[tokio::test]
async fn early_returns_and_question_marks_are_counted_and_the_gauge_returns_to_zero() {
    exporter();
    let inputs = ["", "x", "0", "21", "-1"];
    let expected = [Err(()), Err(()), Ok(0), Ok(42), Err(())];
    for (input, expected) in inputs.iter().zip(expected) {
        assert_eq!(sync_parse(input).map_err(drop), expected, "{input:?}");
        assert_eq!(
            async_parse((*input).to_owned()).await.map_err(drop),
            expected,
            "{input:?}"
        );
    }
    assert_eq!(rendered("sync_parse"), Calls::finished(2, 3, 0, 0));
    assert_eq!(rendered("async_parse"), Calls::finished(2, 3, 0, 0));

    assert_eq!(sync_first_even(&[1, 4, 6]), Some(4));
    assert_eq!(sync_first_even(&[1, 3]), None);
    assert_eq!(sync_head_plus_one(&[]), None);
    assert_eq!(sync_head_plus_one(&[1]), Some(2));
    assert_eq!(rendered("sync_first_even"), Calls::finished(2, 0, 0, 0));
    assert_eq!(rendered("sync_head_plus_one"), Calls::finished(2, 0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// The histogram

#[instrument_metrics]
fn histogram_calls(n: u32) -> u32 {
    n + 1
}

#[test]
fn the_duration_is_a_histogram_with_the_default_buckets_and_counts_every_call() {
    exporter();
    for n in 0..7 {
        assert_eq!(histogram_calls(n), n + 1);
    }
    let text = exporter().render();
    assert_eq!(
        calls(&text, "histogram_calls", MODULE),
        Calls::finished(7, 0, 0, 0)
    );

    assert!(
        text.lines()
            .any(|line| line == "# TYPE function_calls_duration_seconds histogram"),
        "{text}"
    );
    for family in [
        "function_calls_total",
        "function_calls_duration_seconds",
        "function_calls_in_flight",
    ] {
        let help = format!("# HELP {family} ");
        assert!(
            text.lines()
                .any(|line| line.starts_with(&help) && line.len() > help.len()),
            "no HELP for {family}:\n{text}"
        );
    }

    let buckets: Vec<(f64, f64)> = samples(&text)
        .into_iter()
        .filter(|sample| {
            sample.name == "function_calls_duration_seconds_bucket"
                && sample.labels.get("function").map(String::as_str) == Some("histogram_calls")
        })
        .map(|sample| {
            (
                sample.labels["le"].parse::<f64>().expect("le is a number"),
                sample.value,
            )
        })
        .collect();
    let bounds: Vec<f64> = buckets.iter().map(|(le, _)| *le).collect();
    let mut expected_bounds = DEFAULT_BUCKETS.to_vec();
    expected_bounds.push(f64::INFINITY);
    assert_eq!(bounds, expected_bounds, "{text}");
    assert_eq!(
        expected_bounds[..14],
        [
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
        ]
    );
    assert!(
        buckets.windows(2).all(|pair| pair[0].1 <= pair[1].1),
        "buckets are cumulative: {buckets:?}"
    );
    assert_eq!(buckets.last().map(|(_, count)| *count), Some(7.0));
}

// ---------------------------------------------------------------------------------------------
// What a future's duration measures

#[instrument_metrics]
fn deferred(value: u8) -> impl Future<Output = u8> {
    async move { value }
}

#[instrument_metrics]
async fn deferred_async(value: u8) -> u8 {
    value
}

#[instrument_metrics]
async fn sleeps_inside(millis: u64) {
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

#[tokio::test]
async fn a_future_is_measured_from_its_first_poll_to_its_completion() {
    exporter();
    let built = deferred(7);
    let built_async = deferred_async(8);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(built.await, 7);
    assert_eq!(built_async.await, 8);
    sleeps_inside(60).await;

    let text = exporter().render();
    for function in ["deferred", "deferred_async"] {
        assert_eq!(
            calls(&text, function, MODULE),
            Calls::finished(1, 0, 0, 0),
            "{function}"
        );
        let seconds = duration_sum(&text, function, MODULE);
        assert!(
            seconds < 0.1,
            "{function} took {seconds}s: the 200ms before its first poll were measured"
        );
    }
    assert_eq!(
        calls(&text, "sleeps_inside", MODULE),
        Calls::finished(1, 0, 0, 0)
    );
    let seconds = duration_sum(&text, "sleeps_inside", MODULE);
    assert!(
        (0.06..10.0).contains(&seconds),
        "sleeps_inside waited 60ms between polls, measured {seconds}s"
    );
    let bucket = |function: &str, le: &str| {
        expect_value(
            &text,
            "function_calls_duration_seconds_bucket",
            &[("function", function), ("module", MODULE), ("le", le)],
        )
    };
    assert_eq!(
        bucket("sleeps_inside", "0.05"),
        0.0,
        "60ms is above the 0.05 bucket"
    );
    assert_eq!(bucket("sleeps_inside", "10"), 1.0);
    assert_eq!(bucket("deferred", "0.1"), 1.0);
}

#[instrument_metrics]
fn hammered(n: u32) -> Result<u32, u32> {
    if n.is_multiple_of(4) { Err(n) } else { Ok(n) }
}

#[test]
fn concurrent_calls_from_many_threads_are_all_counted() {
    exporter();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                for n in 0..1000 {
                    assert_eq!(hammered(n).is_err(), n.is_multiple_of(4));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(rendered("hammered"), Calls::finished(6000, 2000, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// The in-flight gauge while calls run

fn own_in_flight(function: &str) -> f64 {
    expect_value(
        &exporter().render(),
        "function_calls_in_flight",
        &[("function", function), ("module", MODULE)],
    )
}

#[instrument_metrics]
fn sync_observes_itself() -> f64 {
    own_in_flight("sync_observes_itself")
}

#[instrument_metrics]
fn sync_observes_itself_nested(depth: u32) -> f64 {
    if depth == 0 {
        own_in_flight("sync_observes_itself_nested")
    } else {
        sync_observes_itself_nested(depth - 1)
    }
}

#[test]
fn the_gauge_counts_a_running_sync_call() {
    exporter();
    assert_eq!(sync_observes_itself(), 1.0);
    assert_eq!(
        rendered("sync_observes_itself"),
        Calls::finished(1, 0, 0, 0)
    );
    assert_eq!(
        sync_observes_itself_nested(2),
        3.0,
        "three nested calls run at the deepest point"
    );
    assert_eq!(
        rendered("sync_observes_itself_nested"),
        Calls::finished(3, 0, 0, 0)
    );
}

#[instrument_metrics]
async fn held_until_released(
    started: tokio::sync::mpsc::UnboundedSender<()>,
    mut release: tokio::sync::watch::Receiver<bool>,
) -> io::Result<()> {
    started.send(()).expect("the test waits for this");
    release
        .wait_for(|released| *released)
        .await
        .map_err(io::Error::other)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gauge_counts_running_async_calls_across_worker_threads() {
    exporter();
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let (release, release_rx) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = (0..3)
        .map(|_| tokio::spawn(held_until_released(started_tx.clone(), release_rx.clone())))
        .collect();
    for _ in 0..3 {
        started.recv().await.expect("each task reports its start");
    }
    let running = rendered("held_until_released");
    assert_eq!(running.in_flight, 3.0, "{running:?}");
    assert_eq!(
        running.ok + running.error + running.panic + running.cancelled,
        0.0,
        "{running:?}"
    );

    release.send(true).expect("the tasks are waiting");
    for task in tasks {
        task.await
            .expect("the task does not panic")
            .expect("the task is released");
    }
    assert_eq!(rendered("held_until_released"), Calls::finished(3, 0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// `function` labels of methods and of functions in other modules

struct Widget {
    size: u32,
}

impl Widget {
    #[instrument_metrics]
    fn new(size: u32) -> Self {
        Widget { size }
    }

    #[instrument_metrics]
    fn size(&self) -> u32 {
        self.size
    }

    #[instrument_metrics]
    fn grow(&mut self) {
        self.size += 1;
    }

    #[instrument_metrics]
    fn into_size(self) -> u32 {
        self.size
    }

    #[instrument_metrics]
    fn boxed_size(self: Box<Self>) -> u32 {
        self.size
    }

    #[instrument_metrics]
    async fn size_later(&self) -> io::Result<u32> {
        tokio::task::yield_now().await;
        Ok(self.size)
    }
}

trait Shape {
    fn area(&self) -> u32;
}

impl Shape for Widget {
    #[instrument_metrics]
    fn area(&self) -> u32 {
        self.size * self.size
    }
}

struct Store<T> {
    items: Vec<T>,
}

impl<T: Clone> Store<T> {
    #[instrument_metrics]
    fn first_item(&self) -> Option<T> {
        self.items.first().cloned()
    }
}

impl<T> Shape for Store<T> {
    #[instrument_metrics]
    fn area(&self) -> u32 {
        u32::try_from(self.items.len()).unwrap_or(u32::MAX)
    }
}

trait Fetch {
    async fn fetch(&self, fail: bool) -> io::Result<u32>;
}

impl Fetch for Widget {
    #[instrument_metrics]
    async fn fetch(&self, fail: bool) -> io::Result<u32> {
        tokio::task::yield_now().await;
        if fail {
            Err(io::Error::other("failed"))
        } else {
            Ok(self.size)
        }
    }
}

#[async_trait::async_trait]
trait Load {
    async fn load(&self, fail: bool) -> anyhow::Result<u32>;
}

#[instrument_metrics]
#[async_trait::async_trait]
impl Load for Widget {
    async fn load(&self, fail: bool) -> anyhow::Result<u32> {
        tokio::task::yield_now().await;
        anyhow::ensure!(!fail, "failed");
        Ok(self.size)
    }
}

#[async_trait::async_trait]
#[instrument_metrics]
impl<T: Send + Sync> Load for Store<T> {
    async fn load(&self, fail: bool) -> anyhow::Result<u32> {
        tokio::task::yield_now().await;
        anyhow::ensure!(!fail, "failed");
        Ok(u32::try_from(self.items.len())?)
    }
}

struct Gadget;

#[async_trait::async_trait]
impl Load for Gadget {
    #[instrument_metrics]
    async fn load(&self, fail: bool) -> anyhow::Result<u32> {
        tokio::task::yield_now().await;
        anyhow::ensure!(!fail, "failed");
        Ok(0)
    }
}

/// Every method of the block is instrumented.
#[instrument_metrics]
impl Gadget {
    fn first(&self) -> u8 {
        1
    }

    fn second() -> io::Result<u8> {
        Err(io::Error::other("second fails"))
    }
}

mod nested {
    use instrument_metrics::instrument_metrics;

    #[instrument_metrics]
    pub fn in_nested_module() -> u8 {
        1
    }

    pub struct Remote;

    impl Remote {
        #[instrument_metrics]
        pub fn remote_method(&self) -> u8 {
            2
        }
    }
}

#[tokio::test]
async fn methods_are_labelled_type_and_method_without_generics_or_module() {
    exporter();
    let mut widget = Widget::new(2);
    assert_eq!(widget.size(), 2);
    widget.grow();
    assert_eq!(widget.area(), 9);
    assert_eq!(widget.size_later().await.unwrap(), 3);
    assert_eq!(widget.fetch(false).await.unwrap(), 3);
    assert!(widget.fetch(true).await.is_err());
    assert_eq!(widget.load(false).await.unwrap(), 3);
    assert!(widget.load(true).await.is_err());
    assert_eq!(Box::new(Widget::new(4)).boxed_size(), 4);
    assert_eq!(widget.into_size(), 3);

    let numbers = Store {
        items: vec![1_u8, 2],
    };
    let words = Store {
        items: vec!["a".to_owned()],
    };
    assert_eq!(numbers.first_item(), Some(1));
    assert_eq!(words.first_item().as_deref(), Some("a"));
    assert_eq!(numbers.area() + words.area(), 3);
    assert!(numbers.load(true).await.is_err());
    assert_eq!(words.load(false).await.unwrap(), 1);

    assert_eq!(Gadget.load(false).await.unwrap(), 0);
    assert_eq!(Gadget.first(), 1);
    assert!(Gadget::second().is_err());

    assert_eq!(nested::in_nested_module(), 1);
    assert_eq!(nested::Remote.remote_method(), 2);

    let text = exporter().render();
    let expected = [
        ("Widget::new", Calls::finished(2, 0, 0, 0)),
        ("Widget::size", Calls::finished(1, 0, 0, 0)),
        ("Widget::grow", Calls::finished(1, 0, 0, 0)),
        ("Widget::into_size", Calls::finished(1, 0, 0, 0)),
        ("Widget::boxed_size", Calls::finished(1, 0, 0, 0)),
        ("Widget::size_later", Calls::finished(1, 0, 0, 0)),
        ("Widget::area", Calls::finished(1, 0, 0, 0)),
        ("Widget::fetch", Calls::finished(1, 1, 0, 0)),
        ("Widget::load", Calls::finished(1, 1, 0, 0)),
        ("Store::first_item", Calls::finished(2, 0, 0, 0)),
        ("Store::area", Calls::finished(2, 0, 0, 0)),
        ("Store::load", Calls::finished(1, 1, 0, 0)),
        ("Gadget::load", Calls::finished(1, 0, 0, 0)),
        ("Gadget::first", Calls::finished(1, 0, 0, 0)),
        ("Gadget::second", Calls::finished(0, 1, 0, 0)),
    ];
    for (function, calls_made) in expected {
        assert_eq!(calls(&text, function, MODULE), calls_made, "{function}");
    }
    let nested_module = "outcomes::nested";
    assert_eq!(
        calls(&text, "in_nested_module", nested_module),
        Calls::finished(1, 0, 0, 0)
    );
    assert_eq!(
        calls(&text, "Remote::remote_method", nested_module),
        Calls::finished(1, 0, 0, 0)
    );

    for sample in samples(&text) {
        if let Some(function) = sample.labels.get("function") {
            assert!(
                !function.contains(['<', '>', '{', ' ']) && !function.starts_with("outcomes"),
                "label function={function:?} has generics, closures or a module path"
            );
        }
    }
}

/// Methods of `Widget` in an impl block that sits in another module than the type.
mod widget_elsewhere {
    use instrument_metrics::instrument_metrics;

    impl super::Widget {
        #[instrument_metrics]
        pub(crate) fn from_submodule(&self) -> u32 {
            self.size
        }
    }
}

struct Elsewhere;

/// An inherent impl of a type declared in another module.
impl nested::Remote {
    #[instrument_metrics]
    fn impl_in_parent(&self) -> u8 {
        3
    }
}

impl Shape for u32 {
    #[instrument_metrics]
    fn area(&self) -> u32 {
        self * self
    }
}

impl Shape for bool {
    #[instrument_metrics]
    fn area(&self) -> u32 {
        u32::from(*self)
    }
}

impl Shape for Elsewhere {
    #[instrument_metrics]
    fn area(&self) -> u32 {
        0
    }
}

#[test]
fn methods_of_impls_in_other_modules_and_on_primitive_types_are_labelled_type_and_method() {
    exporter();
    assert_eq!(Widget { size: 5 }.from_submodule(), 5);
    assert_eq!(nested::Remote.impl_in_parent(), 3);
    assert_eq!(3_u32.area(), 9);
    assert_eq!(true.area(), 1);
    assert_eq!(false.area(), 0);
    assert_eq!(Elsewhere.area(), 0);

    let text = exporter().render();
    let expected = [
        (
            "Widget::from_submodule",
            "outcomes::widget_elsewhere",
            Calls::finished(1, 0, 0, 0),
        ),
        (
            "Remote::impl_in_parent",
            MODULE,
            Calls::finished(1, 0, 0, 0),
        ),
        ("u32::area", MODULE, Calls::finished(1, 0, 0, 0)),
        ("bool::area", MODULE, Calls::finished(2, 0, 0, 0)),
        ("Elsewhere::area", MODULE, Calls::finished(1, 0, 0, 0)),
    ];
    let mut wrong = Vec::new();
    for (function, module, calls_made) in expected {
        let found = exposition::value(
            &text,
            "function_calls_total",
            &[("function", function), ("module", module), ("result", "ok")],
        );
        if found.is_none() || calls(&text, function, module) != calls_made {
            wrong.push(function);
        }
    }
    let bare: std::collections::BTreeMap<String, f64> = samples(&text)
        .into_iter()
        .filter(|sample| {
            sample.name == "function_calls_total"
                && sample.labels.get("result").map(String::as_str) == Some("ok")
        })
        .filter_map(|sample| Some((sample.labels.get("function")?.clone(), sample.value)))
        .filter(|(function, _)| {
            ["from_submodule", "impl_in_parent", "area"].contains(&function.as_str())
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "no exact series for {wrong:?}; ok counts under the bare method name instead: {bare:?}"
    );
}

fn first_outer() -> u8 {
    #[instrument_metrics]
    fn same_name_helper() -> u8 {
        1
    }
    same_name_helper()
}

fn second_outer() -> u8 {
    #[instrument_metrics]
    fn same_name_helper() -> u8 {
        2
    }
    same_name_helper() + same_name_helper()
}

/// Two call sites may end up with the same `function` and `module` labels (here two nested
/// functions of one name); the exposition must still hold each series once, counting both.
#[test]
fn call_sites_with_the_same_labels_share_one_series() {
    exporter();
    assert_eq!(first_outer() + second_outer(), 5);

    let text = exporter().render();
    let helper: Vec<_> = samples(&text)
        .into_iter()
        .filter(|sample| {
            sample
                .labels
                .get("function")
                .is_some_and(|function| function.ends_with("same_name_helper"))
        })
        .collect();
    let mut seen = Vec::new();
    let duplicates: Vec<String> = helper
        .iter()
        .map(|sample| format!("{}{:?}", sample.name, sample.labels))
        .filter(|series| {
            let repeated = seen.contains(series);
            seen.push(series.clone());
            repeated
        })
        .collect();
    assert!(
        duplicates.is_empty(),
        "series rendered more than once (Prometheus rejects such a scrape): {duplicates:#?}"
    );
    let ok: f64 = helper
        .iter()
        .filter(|sample| {
            sample.name == "function_calls_total"
                && sample.labels.get("result").map(String::as_str) == Some("ok")
        })
        .map(|sample| sample.value)
        .sum();
    assert_eq!(ok, 3.0, "{helper:#?}");
}

// ---------------------------------------------------------------------------------------------
// Signature shapes still count

#[instrument_metrics]
fn largest<'a, T>(items: &'a [T]) -> Option<&'a T>
where
    T: Ord + std::fmt::Debug,
{
    items.iter().max()
}

#[instrument_metrics]
fn total(items: impl IntoIterator<Item = u32>) -> u32 {
    items.into_iter().sum()
}

#[instrument_metrics]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|number| number % 2 == 0)
}

#[instrument_metrics]
fn swapped((left, right): (u32, u32), mut extra: u32) -> (u32, u32) {
    extra += 1;
    (right + extra, left)
}

#[instrument_metrics]
fn collected(limit: u32) -> Vec<u32> {
    (0..limit).collect()
}

#[instrument_metrics]
fn converted(number: u8) -> u32 {
    number.into()
}

/// # Safety
///
/// `pointer` must be valid for reads.
#[instrument_metrics]
unsafe fn read_pointer(pointer: *const u32) -> u32 {
    // SAFETY: the caller guarantees `pointer` is valid for reads.
    unsafe { pointer.read() }
}

#[test]
fn calls_of_every_signature_shape_are_counted() {
    exporter();
    assert_eq!(largest(&[3, 9, 2]), Some(&9));
    assert_eq!(largest::<u8>(&[]), None);
    assert_eq!(total([1, 2, 3]), 6);
    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(swapped((1, 2), 3), (6, 1));
    assert_eq!(collected(3), [0, 1, 2]);
    assert_eq!(converted(5), 5);
    let value = 11;
    // SAFETY: a reference is valid for reads.
    assert_eq!(unsafe { read_pointer(&raw const value) }, 11);

    let text = exporter().render();
    for (function, ok) in [
        ("largest", 2),
        ("total", 1),
        ("evens", 1),
        ("swapped", 1),
        ("collected", 1),
        ("converted", 1),
        ("read_pointer", 1),
    ] {
        assert_eq!(
            calls(&text, function, MODULE),
            Calls::finished(ok, 0, 0, 0),
            "{function}"
        );
    }
}

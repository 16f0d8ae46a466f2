//! Eight threads on one instrumented function, for a fixed number of calls: every call is
//! counted exactly once in its outcome, its bucket and the histogram's count, and the in-flight
//! gauge is exact while calls are held open and zero once they end. Synchronous calls; futures
//! that start on one thread and finish on another; async calls on a multi-thread Tokio runtime.

mod support;

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::mpsc;
use std::sync::{Barrier, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use instrument_metrics::{Builder, Exporter, MetricLabel, instrument_metrics};
use support::exposition::expect_value;

const THREADS: usize = 8;
const CALLS: u64 = 10_000;
/// Every this many calls sleeps, so that it lands above the first bucket.
const SLOW_EVERY: u64 = 1_000;
const SLOW: Duration = Duration::from_millis(2);
const MODULE: &str = "hammer";

fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        Builder::new()
            .listen_address("127.0.0.1:0".parse().expect("a socket address"))
            .install()
            .unwrap_or_else(|error| panic!("install: {error}"))
    })
}

#[derive(MetricLabel, Debug)]
enum Refusal {
    Busy,
    Closed,
}

/// Call `i`'s result: a quarter `Busy`, a quarter `Closed`, half `Ok`.
fn result_of(i: u64) -> Result<u64, Refusal> {
    match i % 4 {
        0 => Err(Refusal::Busy),
        1 => Err(Refusal::Closed),
        _ => Ok(i),
    }
}

/// What the exposition says of one function.
#[derive(Debug, PartialEq)]
struct Seen {
    ok: f64,
    busy: f64,
    closed: f64,
    /// `result="error"` without an `error` label, `panic`, `cancelled`.
    unlabelled: [f64; 3],
    fast_bucket: f64,
    slow_bucket: f64,
    infinite_bucket: f64,
    count: f64,
    sum: f64,
    in_flight: f64,
}

fn seen(function: &str) -> Seen {
    let text = exporter().render();
    let series = [("function", function), ("module", MODULE)];
    let calls = |extra: &[(&str, &str)]| {
        let labels: Vec<(&str, &str)> = series.iter().chain(extra).copied().collect();
        expect_value(&text, "function_calls_total", &labels)
    };
    let bucket = |le: &str| {
        let labels = [series[0], series[1], ("le", le)];
        expect_value(&text, "function_calls_duration_seconds_bucket", &labels)
    };
    Seen {
        ok: calls(&[("result", "ok")]),
        busy: calls(&[("result", "error"), ("error", "busy")]),
        closed: calls(&[("result", "error"), ("error", "closed")]),
        unlabelled: ["error", "panic", "cancelled"].map(|result| calls(&[("result", result)])),
        fast_bucket: bucket("0.001"),
        slow_bucket: bucket("3600"),
        infinite_bucket: bucket("+Inf"),
        count: expect_value(&text, "function_calls_duration_seconds_count", &series),
        sum: expect_value(&text, "function_calls_duration_seconds_sum", &series),
        in_flight: expect_value(&text, "function_calls_in_flight", &series),
    }
}

/// Two barriers of the eight threads and the test: all calls entered, then all may leave.
struct Hold {
    entered: Barrier,
    leave: Barrier,
}

impl Hold {
    fn new() -> Hold {
        Hold {
            entered: Barrier::new(THREADS + 1),
            leave: Barrier::new(THREADS + 1),
        }
    }
}

#[instrument_metrics(buckets = [0.001, 3600.0])]
fn hammered_sync(i: u64, hold: Option<&Hold>) -> Result<u64, Refusal> {
    if let Some(hold) = hold {
        hold.entered.wait();
        hold.leave.wait();
    }
    if i % SLOW_EVERY == SLOW_EVERY - 1 {
        std::thread::sleep(SLOW);
    }
    result_of(i)
}

#[test]
fn eight_threads_on_one_sync_function_count_exactly() {
    exporter();
    let hold = Hold::new();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for i in 0..CALLS {
                    let _ = hammered_sync(i, None);
                }
                // Call number CALLS + 2 of each thread: `Ok`, held open until the test has looked.
                assert!(hammered_sync(CALLS + 2, Some(&hold)).is_ok());
            });
        }
        hold.entered.wait();
        // Looked at inside `catch_unwind`, so that a failure still lets the threads leave.
        let held = std::panic::catch_unwind(|| seen("hammered_sync").in_flight);
        hold.leave.wait();
        assert_eq!(held.ok(), Some(THREADS as f64));
    });
    let elapsed = started.elapsed().as_secs_f64();

    let threads = THREADS as f64;
    let quarter = threads * (CALLS / 4) as f64;
    let total = threads * (CALLS + 1) as f64;
    let slow = threads * (CALLS / SLOW_EVERY) as f64;
    let seen = seen("hammered_sync");
    assert_eq!(seen.ok, 2.0 * quarter + threads, "{seen:?}");
    assert_eq!((seen.busy, seen.closed), (quarter, quarter), "{seen:?}");
    assert_eq!(seen.unlabelled, [0.0; 3], "{seen:?}");
    assert_eq!(seen.count, total, "{seen:?}");
    assert_eq!(seen.infinite_bucket, total, "{seen:?}");
    assert_eq!(seen.slow_bucket, total, "{seen:?}");
    // The sleeping calls all take longer than the first bound; the others mostly do not.
    assert!(seen.fast_bucket <= total - slow, "{seen:?}");
    assert!(seen.fast_bucket > 0.0, "{seen:?}");
    assert!(seen.sum >= slow * SLOW.as_secs_f64(), "{seen:?}");
    assert!(seen.sum <= elapsed * threads, "{seen:?} in {elapsed} s");
    assert_eq!(seen.in_flight, 0.0, "{seen:?}");
}

/// Pending at its first poll, ready at the second: a call that suspends once.
struct SuspendOnce(bool);

impl Future for SuspendOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

#[instrument_metrics(buckets = [0.001, 3600.0])]
async fn hammered_relayed(i: u64) -> Result<u64, Refusal> {
    SuspendOnce(false).await;
    result_of(i)
}

type Relayed = Pin<Box<dyn Future<Output = Result<u64, Refusal>> + Send>>;

/// Starts a call of `hammered_relayed` on this thread: polled once, so its clock runs.
fn start_relayed(i: u64) -> Relayed {
    let mut call: Relayed = Box::pin(hammered_relayed(i));
    let poll = call.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert!(poll.is_pending());
    call
}

/// Call `i` ends on another thread than it started: completed, or dropped (cancelled) for every
/// tenth.
fn end_relayed(i: u64, mut call: Relayed) {
    if i.is_multiple_of(10) {
        return;
    }
    let poll = call.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert!(poll.is_ready());
}

#[test]
fn futures_that_move_between_threads_mid_call_count_exactly() {
    exporter();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..THREADS)
        .map(|_| mpsc::channel::<(u64, Relayed)>())
        .unzip();
    let held: Vec<Relayed> = std::thread::scope(|scope| {
        let threads: Vec<_> = receivers
            .into_iter()
            .enumerate()
            .map(|(thread, receiver)| {
                // Each thread starts calls and hands them to the next thread, which ends them.
                let next = senders[(thread + 1) % THREADS].clone();
                scope.spawn(move || {
                    for i in 0..CALLS {
                        next.send((i, start_relayed(i)))
                            .expect("the next thread listens");
                        while let Ok((i, call)) = receiver.try_recv() {
                            end_relayed(i, call);
                        }
                    }
                    drop(next);
                    let held = start_relayed(CALLS + 2);
                    (receiver, held)
                })
            })
            .collect();
        let mut held = Vec::new();
        let mut receivers = Vec::new();
        for thread in threads {
            let (receiver, call) = thread.join().expect("no thread panics");
            receivers.push(receiver);
            held.push(call);
        }
        drop(senders);
        // Every thread has stopped sending: what is left in the channels ends here.
        for receiver in receivers {
            for (i, call) in receiver {
                end_relayed(i, call);
            }
        }
        held
    });
    assert_eq!(seen("hammered_relayed").in_flight, THREADS as f64);
    for call in held {
        std::thread::spawn(move || end_relayed(CALLS + 2, call))
            .join()
            .expect("no panic");
    }

    let mut expected = [0.0; 4]; // ok, busy, closed, cancelled
    for i in 0..CALLS {
        let index = match (i % 10, result_of(i)) {
            (0, _) => 3,
            (_, Ok(_)) => 0,
            (_, Err(Refusal::Busy)) => 1,
            (_, Err(Refusal::Closed)) => 2,
        };
        expected[index] += THREADS as f64;
    }
    expected[0] += THREADS as f64;
    let total = THREADS as f64 * (CALLS + 1) as f64;
    let seen = seen("hammered_relayed");
    assert_eq!(
        [seen.ok, seen.busy, seen.closed, seen.unlabelled[2]],
        expected,
        "{seen:?}"
    );
    assert_eq!(seen.unlabelled[..2], [0.0; 2], "{seen:?}");
    assert_eq!(
        (seen.count, seen.slow_bucket, seen.infinite_bucket),
        (total, total, total),
        "{seen:?}"
    );
    assert_eq!(seen.in_flight, 0.0, "{seen:?}");
}

#[instrument_metrics]
async fn hammered_on_workers(i: u64) -> Result<u64, Refusal> {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
    result_of(i)
}

#[test]
fn async_calls_on_a_multi_thread_runtime_count_exactly() {
    exporter();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let tasks: Vec<_> = (0..THREADS)
            .map(|_| {
                tokio::spawn(async {
                    for i in 0..CALLS {
                        let _ = pin!(hammered_on_workers(i)).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("no task panics");
        }
    });
    let text = exporter().render();
    let series = [("function", "hammered_on_workers"), ("module", MODULE)];
    let quarter = (THREADS as u64 * CALLS / 4) as f64;
    let calls = |result: &str, error: Option<&str>| {
        let mut labels = vec![series[0], series[1], ("result", result)];
        labels.extend(error.map(|error| ("error", error)));
        expect_value(&text, "function_calls_total", &labels)
    };
    assert_eq!(calls("ok", None), 2.0 * quarter);
    assert_eq!(calls("error", Some("busy")), quarter);
    assert_eq!(calls("error", Some("closed")), quarter);
    assert_eq!(
        expect_value(&text, "function_calls_duration_seconds_count", &series),
        4.0 * quarter
    );
    assert_eq!(
        expect_value(&text, "function_calls_in_flight", &series),
        0.0
    );
}

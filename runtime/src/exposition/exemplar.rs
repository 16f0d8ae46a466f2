//! Exemplars: per histogram bucket (and per counter series where one is kept), the most recent
//! observation made inside a sampled trace, with its trace id, span id, value and time, rendered
//! in OpenMetrics after the sample.
//!
//! Off by default; while off, a call costs one branch on a `None` field of its series and the
//! HTTP layer one relaxed load. While on, a bucket looks for a trace context at most once a
//! millisecond ([`LOOK_AGAIN`]) and, once it found one, keeps it for [`KEEP`] before taking a
//! newer one: the calls in between only compare the clock with the bucket's next time. So a busy
//! function pays for the trace lookup (an OpenTelemetry context read, a user hook) on at most
//! 1000 calls a second per bucket, and a rarely traced one still gets an exemplar within a
//! millisecond window of its traced calls.
//!
//! Each bucket's exemplar is a seqlock over atomics: one writer at a time (a writer that finds
//! it taken drops its exemplar), readers retry when a write overlapped. No locks, no `unsafe`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::openmetrics::Traceable;
use super::text;
use crate::clock::monotonic_nanos;
use crate::model::TraceContext;

/// How long a bucket keeps an exemplar before it takes a newer one.
pub(crate) const KEEP: Duration = Duration::from_millis(100);
/// How long a bucket that found no trace context waits before it looks again.
pub(crate) const LOOK_AGAIN: Duration = Duration::from_millis(1);

/// Where the trace context of a function call comes from.
pub(crate) type Source = Arc<dyn Fn() -> Option<TraceContext> + Send + Sync>;

static ENABLED: AtomicBool = AtomicBool::new(false);
static STATE: RwLock<Option<State>> = RwLock::new(None);

struct State {
    source: Option<Source>,
    /// Custom labels are on every series; lookups leave them out of the key.
    custom_labels: Vec<String>,
    stores: HashMap<String, &'static BucketExemplars>,
}

/// Switches exemplars on (with `source` for function calls, and the custom labels' names) or
/// off; `install()` calls it before any series is registered.
pub(crate) fn configure(enabled: Option<(Option<Source>, Vec<String>)>) {
    let mut state = STATE.write().unwrap_or_else(PoisonError::into_inner);
    ENABLED.store(enabled.is_some(), Ordering::SeqCst);
    *state = enabled.map(|(source, custom_labels)| State {
        source,
        custom_labels,
        stores: HashMap::new(),
    });
}

/// Whether exemplars are kept.
#[inline]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Whether function calls can have exemplars: exemplars are on and have a source of traces.
/// Without one, call sites get no store, so their calls stay as cheap as with exemplars off.
pub(crate) fn for_calls() -> bool {
    STATE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .is_some_and(|state| state.source.is_some())
}

/// The trace context of the running function call, from the configured source.
fn current_context() -> Option<TraceContext> {
    let source = STATE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()?
        .source
        .clone()?;
    source()
}

/// The exemplars of the histogram series whose bucket samples are `sample_name` with `labels`
/// (custom labels and `le` aside) and whose bounds are `bounds` (without `+Inf`), or of the
/// counter series `sample_name` (`..._total`) with `labels` and no bounds (one slot); `None`
/// while exemplars are off. The same series always gets the same store.
pub(crate) fn register(
    sample_name: &str,
    labels: &[(&str, &str)],
    bounds: &[f64],
) -> Option<&'static BucketExemplars> {
    let key = key(
        sample_name,
        labels.iter().map(|(name, value)| (*name, *value)),
    );
    if let Some(found) = STATE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()?
        .stores
        .get(&key)
    {
        return Some(found);
    }
    let mut state = STATE.write().unwrap_or_else(PoisonError::into_inner);
    let stores = &mut state.as_mut()?.stores;
    Some(
        stores
            .entry(key)
            .or_insert_with(|| Box::leak(Box::new(BucketExemplars::new(bounds)))),
    )
}

/// What follows a bucket's or counter's sample value in OpenMetrics: its exemplar, if it has one.
pub(crate) fn render(sample: &Traceable<'_>) -> Option<String> {
    let state = STATE.read().unwrap_or_else(PoisonError::into_inner);
    let state = state.as_ref()?;
    let labels = sample
        .labels
        .iter()
        .filter(|(name, _)| !state.custom_labels.iter().any(|custom| custom == name))
        .map(|(name, value)| (*name, value.as_str()));
    let store = state.stores.get(&key(sample.name, labels))?;
    let index = match sample.le.as_deref() {
        None => 0,
        Some("+Inf") => store.bounds.len(),
        Some(le) => {
            let le: f64 = le.parse().ok()?;
            store.bounds.iter().position(|bound| *bound == le)?
        }
    };
    let exemplar = store.slots.get(index)?.read()?;
    let labels = text::labels([
        (
            "trace_id",
            format!("{:032x}", exemplar.context.trace_id()).as_str(),
        ),
        (
            "span_id",
            format!("{:016x}", exemplar.context.span_id()).as_str(),
        ),
    ]);
    let millis = exemplar.unix_millis;
    Some(format!(
        "# {{{labels}}} {} {}.{:03}",
        exemplar.value,
        millis / 1000,
        millis % 1000
    ))
}

/// A series' label set as a lookup key: sorted, so renderers may order labels as they like.
fn key<'a>(name: &str, labels: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut labels: Vec<(&str, &str)> = labels.collect();
    labels.sort_unstable();
    format!("{name}{{{}}}", text::labels(labels))
}

/// The exemplars of one histogram series: one slot per bucket, `+Inf` last.
pub(crate) struct BucketExemplars {
    bounds: Box<[f64]>,
    slots: Box<[Slot]>,
}

impl BucketExemplars {
    fn new(bounds: &[f64]) -> BucketExemplars {
        BucketExemplars {
            bounds: bounds.into(),
            slots: (0..=bounds.len()).map(|_| Slot::default()).collect(),
        }
    }

    /// Offers a function call's observation of `nanos` in bucket `bucket`; its trace context is
    /// asked for only when the bucket is due for a new exemplar. Returns the context when it
    /// became the bucket's exemplar, for the call's counter.
    #[inline(never)]
    pub(crate) fn offer_call(&self, bucket: usize, nanos: u64) -> Option<TraceContext> {
        self.offer(bucket, nanos as f64 / 1e9, current_context)
    }

    /// Offers an observation of `value` whose trace context is known (an HTTP request's), into
    /// the bucket it falls in (the one slot of a counter).
    pub(crate) fn offer_traced(&self, value: f64, context: TraceContext) {
        let bucket = self
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(self.bounds.len());
        self.offer(bucket, value, || Some(context));
    }

    fn offer(
        &self,
        bucket: usize,
        value: f64,
        context: impl FnOnce() -> Option<TraceContext>,
    ) -> Option<TraceContext> {
        let slot = self.slots.get(bucket)?;
        let now = monotonic_nanos();
        let next = slot.next.load(Ordering::Relaxed);
        // One caller per window looks; the others go on at once.
        if now < next
            || slot
                .next
                .compare_exchange(
                    next,
                    now + nanos(LOOK_AGAIN),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return None;
        }
        let context = context()?;
        slot.next.store(now + nanos(KEEP), Ordering::Relaxed);
        slot.write(context, value, unix_millis());
        Some(context)
    }
}

/// One bucket's exemplar behind a sequence number: odd while it is being written.
#[derive(Default)]
struct Slot {
    /// Monotonic nanoseconds before which this bucket takes no new exemplar.
    next: AtomicU64,
    sequence: AtomicU64,
    trace_high: AtomicU64,
    trace_low: AtomicU64,
    span: AtomicU64,
    value_bits: AtomicU64,
    unix_millis: AtomicU64,
}

struct Exemplar {
    context: TraceContext,
    value: f64,
    unix_millis: u64,
}

impl Slot {
    fn write(&self, context: TraceContext, value: f64, unix_millis: u64) {
        let sequence = self.sequence.load(Ordering::Relaxed);
        if sequence % 2 == 1
            || self
                .sequence
                .compare_exchange(sequence, sequence + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return; // another writer is here; its exemplar is as recent
        }
        fence(Ordering::Release);
        let trace = context.trace_id();
        self.trace_high
            .store((trace >> 64) as u64, Ordering::Relaxed);
        self.trace_low.store(trace as u64, Ordering::Relaxed);
        self.span.store(context.span_id(), Ordering::Relaxed);
        self.value_bits.store(value.to_bits(), Ordering::Relaxed);
        self.unix_millis.store(unix_millis, Ordering::Relaxed);
        self.sequence.store(sequence + 2, Ordering::Release);
    }

    fn read(&self) -> Option<Exemplar> {
        for _ in 0..16 {
            let before = self.sequence.load(Ordering::Acquire);
            if before == 0 {
                return None; // never written
            }
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let trace = (u128::from(self.trace_high.load(Ordering::Relaxed)) << 64)
                | u128::from(self.trace_low.load(Ordering::Relaxed));
            let span = self.span.load(Ordering::Relaxed);
            let value = f64::from_bits(self.value_bits.load(Ordering::Relaxed));
            let unix_millis = self.unix_millis.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if self.sequence.load(Ordering::Relaxed) == before {
                return Some(Exemplar {
                    context: TraceContext::new(trace, span)?,
                    value,
                    unix_millis,
                });
            }
        }
        None
    }
}

fn nanos(duration: Duration) -> u64 {
    duration.as_nanos() as u64
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(trace: u128) -> TraceContext {
        TraceContext::new(trace, 7).unwrap()
    }

    #[test]
    fn a_bucket_keeps_its_first_exemplar_for_a_while() {
        let store = BucketExemplars::new(&[0.1, 1.0]);
        store.offer_traced(0.05, context(1));
        store.offer_traced(0.06, context(2));
        store.offer_traced(5.0, context(3));
        let first = store.slots[0].read().unwrap();
        assert_eq!((first.context, first.value), (context(1), 0.05));
        assert!(store.slots[1].read().is_none());
        assert_eq!(store.slots[2].read().unwrap().context, context(3));
        std::thread::sleep(KEEP + Duration::from_millis(5));
        store.offer_traced(0.07, context(4));
        assert_eq!(store.slots[0].read().unwrap().context, context(4));
    }

    #[test]
    fn untraced_calls_look_again_after_a_millisecond() {
        let store = BucketExemplars::new(&[1.0]);
        store.offer(0, 0.5, || None);
        let mut asked = false;
        store.offer(0, 0.5, || {
            asked = true;
            Some(context(9))
        });
        assert!(!asked, "looked again within the window");
        std::thread::sleep(LOOK_AGAIN * 2);
        store.offer(0, 0.5, || Some(context(9)));
        assert_eq!(store.slots[0].read().unwrap().context, context(9));
    }

    #[test]
    fn concurrent_writes_never_tear() {
        let slot = Slot::default();
        std::thread::scope(|scope| {
            for writer in 1..=4_u128 {
                let slot = &slot;
                scope.spawn(move || {
                    for _ in 0..20_000 {
                        let id = writer * 0x1_0000_0000_0000_0001_u128;
                        let context = TraceContext::new(id, writer as u64).unwrap();
                        slot.write(context, writer as f64, writer as u64);
                    }
                });
            }
            for _ in 0..20_000 {
                if let Some(read) = slot.read() {
                    let writer = read.context.span_id();
                    assert_eq!(
                        read.context.trace_id(),
                        u128::from(writer) * 0x1_0000_0000_0000_0001
                    );
                    assert_eq!((read.value, read.unix_millis), (writer as f64, writer));
                }
            }
        });
    }
}

//! Per-thread shards of a series' counters: each thread writes only its own shard, and a render
//! sums them, so that calls on many cores never write a cache line another core writes.
//!
//! A thread takes a *slot* the first time it records anything: the lowest slot no live thread
//! holds. It gives the slot back when it exits, and the next new thread takes it over, counts and
//! all: the counts of finished threads are never lost, and the slots (so the memory) stay as many
//! as the most threads that recorded at once. Since a slot has one owner at a time, its shard is
//! written with a plain load and store (no locked read-modify-write); the hand-over of a slot goes
//! through a mutex, so the next owner starts from the last value. A thread past [`MAX_SLOTS`], or
//! one recording from a thread-local destructor after its slot went back, writes the shared
//! overflow shard with atomic adds instead.
//!
//! A series keeps its shards in chunks that double in size (2, 2, 4, 8, ... shards), allocated
//! when a thread of that chunk first records into the series: with `T` threads (a power of two)
//! recording, exactly `T` shards exist, each a whole number of cache lines.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Chunks of shards per series: slots `0..MAX_SLOTS` have a shard of their own.
const CHUNKS: usize = 10;

/// Threads recording at once that get shards of their own; more share the overflow shard.
pub(crate) const MAX_SLOTS: u32 = 1 << CHUNKS;

/// Not yet assigned: the thread has not recorded anything.
const UNASSIGNED: u32 = u32::MAX;
/// No shard of its own: past [`MAX_SLOTS`], or the thread is exiting.
const SHARED: u32 = u32::MAX - 1;

/// Bytes of one cache line; a shard is a whole number of them, aligned to them.
pub(crate) const LINE_BYTES: usize = 64;
const CELLS_PER_LINE: usize = LINE_BYTES / size_of::<AtomicU64>();

#[repr(C, align(64))]
struct Line([AtomicU64; CELLS_PER_LINE]);

const _: () = assert!(size_of::<Line>() == LINE_BYTES);

thread_local! {
    /// This thread's slot. A `const` cell without a destructor: reading it is one load.
    static SLOT: Cell<u32> = const { Cell::new(UNASSIGNED) };
    /// Gives the slot back when the thread exits.
    static OWNER: SlotOwner = const { SlotOwner };
}

struct SlotOwner;

impl Drop for SlotOwner {
    fn drop(&mut self) {
        let slot = SLOT.replace(SHARED);
        if slot < MAX_SLOTS {
            free_slots().returned.push(Reverse(slot));
        }
    }
}

/// Slots given back by exited threads, and the next never-used slot.
struct FreeSlots {
    returned: BinaryHeap<Reverse<u32>>,
    next: u32,
}

static FREE: Mutex<FreeSlots> = Mutex::new(FreeSlots {
    returned: BinaryHeap::new(),
    next: 0,
});

fn free_slots() -> std::sync::MutexGuard<'static, FreeSlots> {
    FREE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The calling thread's slot, or [`SHARED`].
#[inline]
fn slot() -> u32 {
    // `try_with`: during thread teardown, after `SLOT` itself is gone, there is no slot.
    match SLOT.try_with(Cell::get) {
        Ok(slot) if slot < SHARED => slot,
        Ok(UNASSIGNED) => assign(),
        _ => SHARED,
    }
}

#[cold]
fn assign() -> u32 {
    // Registers the destructor that gives the slot back; fails once the thread is exiting.
    if OWNER.try_with(|_| ()).is_err() {
        return SHARED;
    }
    let slot = {
        let mut free = free_slots();
        match free.returned.pop() {
            Some(Reverse(slot)) => slot,
            None if free.next < MAX_SLOTS => {
                free.next += 1;
                free.next - 1
            }
            None => SHARED,
        }
    };
    SLOT.set(slot);
    slot
}

/// One series' counters, `cells` of them, sharded per thread.
pub(crate) struct Shards {
    /// Cache lines per shard.
    lines: usize,
    /// Chunk `k` holds the shards of slots `[2^k, 2^(k+1))` (chunk 0: slots 0 and 1); null
    /// until a thread of it records.
    chunks: [AtomicPtr<Line>; CHUNKS],
    /// Shared by the threads without a slot; written with atomic adds.
    overflow: Box<[Line]>,
}

/// The shard a thread writes.
pub(crate) struct Shard<'a> {
    cells: &'a [AtomicU64],
    /// Only this thread writes it: plain loads and stores suffice.
    exclusive: bool,
}

impl Shards {
    /// Shards of `cells` counters each.
    pub(crate) fn new(cells: usize) -> Shards {
        let lines = cells.div_ceil(CELLS_PER_LINE).max(1);
        Shards {
            lines,
            chunks: Default::default(),
            overflow: zeroed(lines),
        }
    }

    /// Bytes of one thread's shard.
    #[cfg(test)]
    pub(crate) fn shard_bytes(&self) -> usize {
        self.lines * LINE_BYTES
    }

    /// The calling thread's shard.
    #[inline]
    pub(crate) fn local(&self) -> Shard<'_> {
        let slot = slot();
        if slot >= MAX_SLOTS {
            return Shard {
                cells: cells(&self.overflow),
                exclusive: false,
            };
        }
        let (chunk, offset) = position(slot);
        let mut lines = self.chunks[chunk].load(Ordering::Acquire);
        if lines.is_null() {
            lines = self.allocate(chunk);
        }
        // SAFETY: chunk `k` was allocated with `chunk_shards(k) * self.lines` lines, `offset` is
        // below `chunk_shards(k)`, and chunks are freed only with `self`.
        let shard =
            unsafe { std::slice::from_raw_parts(lines.add(offset * self.lines), self.lines) };
        Shard {
            cells: cells(shard),
            exclusive: true,
        }
    }

    #[cold]
    fn allocate(&self, chunk: usize) -> *mut Line {
        let fresh = Box::into_raw(zeroed(chunk_shards(chunk) * self.lines)).cast::<Line>();
        match self.chunks[chunk].compare_exchange(
            std::ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => fresh,
            Err(winner) => {
                // SAFETY: `fresh` came from `Box::into_raw` above with this length, and lost
                // the race, so nothing else refers to it.
                drop(unsafe { self.chunk_box(chunk, fresh) });
                winner
            }
        }
    }

    /// # Safety
    /// `lines` must be chunk `chunk`'s allocation, from `Box::into_raw`, and not used after.
    unsafe fn chunk_box(&self, chunk: usize, lines: *mut Line) -> Box<[Line]> {
        let len = chunk_shards(chunk) * self.lines;
        // SAFETY: as the caller promises.
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(lines, len)) }
    }

    /// The sum of cell `index` over every shard, read with `Acquire`, so that what a shard's
    /// writer did before a `Release` write of that cell is seen by later reads.
    pub(crate) fn sum(&self, index: usize) -> u64 {
        let mut total = cells(&self.overflow)[index].load(Ordering::Acquire);
        for (chunk, lines) in self.chunks.iter().enumerate() {
            let lines = lines.load(Ordering::Acquire);
            if lines.is_null() {
                continue;
            }
            // SAFETY: an allocated chunk has `chunk_shards(chunk) * self.lines` lines.
            let all =
                unsafe { std::slice::from_raw_parts(lines, chunk_shards(chunk) * self.lines) };
            for shard in all.chunks(self.lines) {
                total = total.wrapping_add(cells(shard)[index].load(Ordering::Acquire));
            }
        }
        total
    }
}

impl Drop for Shards {
    fn drop(&mut self) {
        for chunk in 0..CHUNKS {
            let lines = *self.chunks[chunk].get_mut();
            if !lines.is_null() {
                // SAFETY: allocated by `allocate` for this chunk; `self` is going away.
                drop(unsafe { self.chunk_box(chunk, lines) });
            }
        }
    }
}

impl Shard<'_> {
    /// Adds `amount` to cell `index`. `Release`, so that a render that sees it also sees what
    /// this thread wrote before (see [`Shards::sum`]).
    #[inline]
    pub(crate) fn add(&self, index: usize, amount: u64) {
        let cell = &self.cells[index];
        if self.exclusive {
            cell.store(
                cell.load(Ordering::Relaxed).wrapping_add(amount),
                Ordering::Release,
            );
        } else {
            cell.fetch_add(amount, Ordering::Release);
        }
    }
}

/// The chunk of slot `slot` (below [`MAX_SLOTS`]) and its shard's index in the chunk.
#[inline]
fn position(slot: u32) -> (usize, usize) {
    let chunk = (slot | 1).ilog2() as usize;
    let offset = (slot - ((1 << chunk) & !1)) as usize;
    (chunk, offset)
}

/// Shards in chunk `chunk`.
const fn chunk_shards(chunk: usize) -> usize {
    if chunk == 0 { 2 } else { 1 << chunk }
}

fn zeroed(lines: usize) -> Box<[Line]> {
    (0..lines)
        .map(|_| Line(std::array::from_fn(|_| AtomicU64::new(0))))
        .collect()
}

fn cells(lines: &[Line]) -> &[AtomicU64] {
    // SAFETY: `Line` is `repr(C)` over `[AtomicU64; CELLS_PER_LINE]` with no padding (its size is
    // asserted above), so `lines` is `lines.len() * CELLS_PER_LINE` contiguous cells.
    unsafe { std::slice::from_raw_parts(lines.as_ptr().cast(), lines.len() * CELLS_PER_LINE) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_map_onto_chunks_without_gaps() {
        let mut seen = Vec::new();
        for slot in 0..MAX_SLOTS {
            let (chunk, offset) = position(slot);
            assert!(
                chunk < CHUNKS && offset < chunk_shards(chunk),
                "slot {slot}"
            );
            seen.push((chunk, offset));
        }
        seen.dedup();
        assert_eq!(seen.len(), MAX_SLOTS as usize);
        assert_eq!(
            (0..CHUNKS).map(chunk_shards).sum::<usize>(),
            MAX_SLOTS as usize
        );
    }

    /// The figures of benches/README.md: a call site with the default 14 buckets has 21 cells
    /// (started, 4 outcomes, sum, 15 buckets), three cache lines a thread.
    #[test]
    fn a_default_call_site_shard_is_three_lines() {
        assert_eq!(Shards::new(21).shard_bytes(), 192);
        assert_eq!(Shards::new(24).shard_bytes(), 192);
        assert_eq!(Shards::new(25).shard_bytes(), 256);
    }

    #[test]
    fn exited_threads_keep_their_counts_and_hand_their_slot_on() {
        let shards: &'static Shards = Box::leak(Box::new(Shards::new(3)));
        for round in 0..20_u64 {
            std::thread::scope(|scope| {
                for _ in 0..4 {
                    scope.spawn(|| {
                        for _ in 0..1000 {
                            shards.local().add(1, 1);
                        }
                        shards.local().add(2, round);
                    });
                }
            });
        }
        assert_eq!(shards.sum(1), 20 * 4 * 1000);
        assert_eq!(shards.sum(2), 4 * (0..20).sum::<u64>());
        assert_eq!(shards.sum(0), 0);
        // 80 threads came and went, at most four (and the other tests' threads) at once: later
        // threads took over the slots of exited ones.
        let used = free_slots().next;
        assert!(used < 80, "{used} slots for 80 threads, 4 at a time");
    }
}

//! A global allocator that counts allocations of the measuring thread while counting is on.
//!
//! Off (as it is while divan times), it costs one relaxed load per allocation and shares no
//! written cache line between threads, so timings of allocating peers are not inflated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// `#[global_allocator] static ALLOC: CountingAlloc = CountingAlloc;` in a bench binary.
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);

thread_local! {
    // Const-initialized and without `Drop`, so it is usable from inside the allocator.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

#[inline]
fn count() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Calls of `call` measured by [`allocs_per_call`] after its warm-up.
pub const CALLS: u64 = 100_000;
const WARM_UP: u64 = 10_000;

/// Allocations per call of `call` on this thread, over [`CALLS`] calls after a warm-up (which
/// resolves handles and fills caches). Needs [`CountingAlloc`] as the global allocator.
pub fn allocs_per_call(mut call: impl FnMut()) -> f64 {
    for _ in 0..WARM_UP {
        call();
    }
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..CALLS {
        call();
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.with(Cell::get) - before;
    allocations as f64 / CALLS as f64
}

/// Measures and prints allocations per call of each variant, one line each:
/// `allocs_per_call <binary>/<variant> <allocations per call>`, the form the summary reads.
pub fn report(binary: &str, variants: &mut [(&str, &mut dyn FnMut())]) {
    println!("allocations per call ({CALLS} calls after {WARM_UP} warm-up calls, one thread)");
    for (name, call) in variants.iter_mut() {
        let per_call = allocs_per_call(call);
        println!(
            "allocs_per_call {:<40} {per_call:.5}",
            format!("{binary}/{name}")
        );
    }
    println!();
}

//! The threads of this test process, to see what the runtime starts and stops.

use std::time::Duration;

/// How many threads of this process have a name starting with `prefix`. Linux truncates thread
/// names to 15 bytes, so pass at most that.
pub fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task is readable")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end().starts_with(prefix))
        .count()
}

/// The threads the runtime starts are all named `instrument-metrics-*`, which Linux shows
/// truncated to this.
pub const RUNTIME_THREADS: &str = "instrument-metr";

/// Polls `condition` for up to five seconds; threads that were told to stop take a moment to go.
pub fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

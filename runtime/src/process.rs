//! Process metrics in the names Prometheus client libraries use (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, ...), read from `/proc` on Linux at each scrape. Elsewhere
//! they are absent rather than wrong.

use metrics::{Counter, Gauge, Key, KeyName, Level, Metadata, Recorder, SharedString, Unit};

/// `/proc` reports CPU time in USER_HZ, which Linux fixes at 100 for user space.
const TICKS_PER_SECOND: f64 = 100.0;

pub(crate) struct ProcessMetrics {
    cpu_seconds: Counter,
    resident_bytes: Gauge,
    virtual_bytes: Gauge,
    open_fds: Gauge,
    max_fds: Gauge,
    start_time: Gauge,
}

impl ProcessMetrics {
    pub(crate) fn register(recorder: &dyn Recorder) -> Self {
        static METADATA: Metadata<'static> =
            Metadata::new(module_path!(), Level::INFO, Some(module_path!()));
        let gauge = |name: &'static str, unit, help: &'static str| {
            recorder.describe_gauge(
                KeyName::from_const_str(name),
                unit,
                SharedString::const_str(help),
            );
            recorder.register_gauge(&Key::from_static_name(name), &METADATA)
        };
        recorder.describe_counter(
            KeyName::from_const_str("process_cpu_seconds_total"),
            Some(Unit::Seconds),
            SharedString::const_str("Total user and system CPU time spent in seconds."),
        );
        ProcessMetrics {
            cpu_seconds: recorder.register_counter(
                &Key::from_static_name("process_cpu_seconds_total"),
                &METADATA,
            ),
            resident_bytes: gauge(
                "process_resident_memory_bytes",
                Some(Unit::Bytes),
                "Resident memory size in bytes.",
            ),
            virtual_bytes: gauge(
                "process_virtual_memory_bytes",
                Some(Unit::Bytes),
                "Virtual memory size in bytes.",
            ),
            open_fds: gauge("process_open_fds", None, "Number of open file descriptors."),
            max_fds: gauge(
                "process_max_fds",
                None,
                "Maximum number of open file descriptors.",
            ),
            start_time: gauge(
                "process_start_time_seconds",
                Some(Unit::Seconds),
                "Start time of the process since unix epoch in seconds.",
            ),
        }
    }

    /// Reads `/proc/self`; what cannot be read keeps its last value.
    pub(crate) fn update(&self) {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name, which is parenthesised and may contain spaces.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let field = |index: usize| {
            fields
                .get(index)
                .and_then(|value| value.parse::<f64>().ok())
        };
        // utime and stime are fields 14 and 15 of stat(5); starttime is 22. `fields` starts at 3.
        if let (Some(user), Some(system)) = (field(11), field(12)) {
            self.cpu_seconds
                .absolute(((user + system) / TICKS_PER_SECOND) as u64);
        }
        if let (Some(start_ticks), Some(boot)) = (field(19), boot_time()) {
            self.start_time.set(boot + start_ticks / TICKS_PER_SECOND);
        }
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(kib) = status_kib(&status, "VmRSS:") {
            self.resident_bytes.set(kib * 1024.0);
        }
        if let Some(kib) = status_kib(&status, "VmSize:") {
            self.virtual_bytes.set(kib * 1024.0);
        }
        if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
            self.open_fds.set(entries.count() as f64);
        }
        if let Some(max) = max_open_files() {
            self.max_fds.set(max);
        }
    }
}

fn status_kib(status: &str, field: &str) -> Option<f64> {
    status.lines().find_map(|line| {
        line.strip_prefix(field)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())
}

fn max_open_files() -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

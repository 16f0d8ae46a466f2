//! Process metrics in the names Prometheus client libraries use (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, ...), read from `/proc` on Linux at each scrape and rendered
//! directly: CPU time is fractional seconds, which a `metrics` counter (whole numbers) cannot
//! hold. Where `/proc` cannot be read they are absent rather than wrong.

use super::text::{self, Kind};

/// `/proc` reports CPU time in USER_HZ, which Linux fixes at 100 for user space.
const TICKS_PER_SECOND: f64 = 100.0;

/// Appends the process metrics; `custom` are the custom labels (see [`text::labels`]).
pub(crate) fn render(out: &mut String, custom: &str) {
    let mut family = |name: &str, kind: Kind, help: &str, value: Option<f64>| {
        if let Some(value) = value {
            text::header(out, name, help, kind);
            text::sample(out, name, &[custom], value);
        }
    };
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
    // utime and stime are fields 14 and 15 of stat(5), starttime 22; `fields` starts at field 3.
    let cpu = field(11)
        .zip(field(12))
        .map(|(user, system)| (user + system) / TICKS_PER_SECOND);
    family(
        "process_cpu_seconds_total",
        Kind::Counter,
        "Total user and system CPU time spent in seconds.",
        cpu,
    );
    let start = field(19)
        .zip(boot_time())
        .map(|(ticks, boot)| boot + ticks / TICKS_PER_SECOND);
    family(
        "process_start_time_seconds",
        Kind::Gauge,
        "Start time of the process since unix epoch in seconds.",
        start,
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let bytes = |field| status_kib(&status, field).map(|kib| kib * 1024.0);
    family(
        "process_resident_memory_bytes",
        Kind::Gauge,
        "Resident memory size in bytes.",
        bytes("VmRSS:"),
    );
    family(
        "process_virtual_memory_bytes",
        Kind::Gauge,
        "Virtual memory size in bytes.",
        bytes("VmSize:"),
    );
    let open = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|entries| entries.count() as f64);
    family(
        "process_open_fds",
        Kind::Gauge,
        "Number of open file descriptors.",
        open,
    );
    family(
        "process_max_fds",
        Kind::Gauge,
        "Maximum number of open file descriptors.",
        max_open_files(),
    );
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

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_is_fractional_and_labelled() {
        let mut out = String::new();
        super::render(&mut out, "service=\"api\"");
        let cpu = out
            .lines()
            .find(|line| line.starts_with("process_cpu_seconds_total{"))
            .expect(&out);
        assert!(
            cpu.starts_with("process_cpu_seconds_total{service=\"api\"} "),
            "{cpu}"
        );
        assert!(out.contains("# TYPE process_open_fds gauge"), "{out}");
    }
}

//! End to end: the pipeline example's `/metrics` listener under a bounded attack on loopback,
//! while a well-behaved client scrapes it.
//!
//! For 30 seconds: 200 connections send a request head one byte every 3 seconds, 1,000
//! connections are opened and left idle (reopened when the server closes them), and a stream of
//! garbage request lines and oversized heads arrives. Meanwhile one client scrapes every 500 ms
//! on a new connection and another over one kept-alive connection: every scrape must be 200 with
//! the whole body, within a second. Afterwards the process holds no more threads and sockets
//! than before. The figures are printed (run with `--nocapture`) and quoted in the README.
//!
//! Everything is sent to 127.0.0.1, and every part stops by itself.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::examples::Served;
use support::http;
use support::process::poll;
use support::scratch::ScratchDir;
use support::wire::{self, KeptAlive, status_of};

const TRICKLING: usize = 200;
const TRICKLE_EVERY: Duration = Duration::from_secs(3);
const IDLE: usize = 1000;
const ATTACK: Duration = Duration::from_secs(30);
const SCRAPE_EVERY: Duration = Duration::from_millis(500);
const SCRAPE_LIMIT: Duration = Duration::from_secs(1);
/// The listener's bound on connections (`serve/listener.rs`).
const MAX_CONNECTIONS: usize = 256;
/// A family the pipeline example always exports.
const FAMILY: &str = "# TYPE pipeline_stage_total counter";

#[derive(Default)]
struct Counts {
    trickle_reopened: AtomicU64,
    idle_reopened: AtomicU64,
    bad_sent: AtomicU64,
    bad_400: AtomicU64,
    bad_431: AtomicU64,
    bad_other: AtomicU64,
}

#[test]
fn scrapes_succeed_while_slow_idle_and_garbage_connections_attack() {
    raise_open_files_limit(TRICKLING + IDLE + 200);
    let scratch = ScratchDir::new("e2e-attack");
    let pipeline = Served::start(&scratch, "pipeline", &[("PIPELINE_FAILURE_RATE", "0")]);
    let (addr, pid) = (pipeline.addr, pipeline.process.id());
    // A few scrapes first, so whatever the process starts lazily is there before counting.
    for _ in 0..5 {
        http::scrape(addr);
        thread::sleep(Duration::from_millis(100));
    }
    let (threads_before, sockets_before) = (threads(pid), sockets(pid));

    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let attackers = [
        spawn("trickle", &stop, &counts, move |stop, counts| {
            trickle(addr, stop, counts)
        }),
        spawn("idle", &stop, &counts, move |stop, counts| {
            idle(addr, stop, counts)
        }),
        spawn("garbage", &stop, &counts, move |stop, counts| {
            garbage(addr, stop, counts)
        }),
    ];
    // Let the attack reach its full size before the first scrape.
    thread::sleep(Duration::from_secs(2));

    let mut kept_alive = KeptAlive::connect(addr, Duration::from_secs(5)).unwrap();
    let mut latencies = Vec::new();
    let mut peak_sockets = 0;
    let started = Instant::now();
    while started.elapsed() < ATTACK {
        let round = Instant::now();
        let fresh = http::get(addr, "/metrics");
        let fresh_took = round.elapsed();
        let kept_started = Instant::now();
        let kept = kept_alive.get("/metrics", &[]);
        let kept_took = kept_started.elapsed();
        peak_sockets = peak_sockets.max(sockets(pid));
        let fresh = fresh.unwrap_or_else(|error| panic!("a scrape failed under attack: {error}"));
        let kept = kept.unwrap_or_else(|error| panic!("a kept-alive scrape failed: {error}"));
        assert_eq!(fresh.status, 200, "{fresh:?}");
        assert_eq!(kept.status, 200, "{kept:?}");
        assert!(fresh.text().unwrap().contains(FAMILY));
        assert!(String::from_utf8_lossy(&kept.body).contains(FAMILY));
        for (how, took) in [
            ("on a new connection", fresh_took),
            ("kept alive", kept_took),
        ] {
            assert!(took <= SCRAPE_LIMIT, "a scrape {how} took {took:?}");
            latencies.push(took);
        }
        thread::sleep(SCRAPE_EVERY.saturating_sub(round.elapsed()));
    }
    stop.store(true, Ordering::SeqCst);
    for attacker in attackers {
        attacker.join().expect("an attacker panicked");
    }
    drop(kept_alive);

    let settled = poll(Duration::from_secs(30), Duration::from_millis(200), || {
        let now = (threads(pid), sockets(pid));
        if now.0 <= threads_before && now.1 <= sockets_before {
            Ok(now)
        } else {
            Err(format!(
                "threads {} (before {threads_before}), sockets {} (before {sockets_before})",
                now.0, now.1
            ))
        }
    })
    .unwrap_or_else(|error| panic!("the process did not let go: {error}"));

    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let slowest = latencies[latencies.len() - 1];
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    eprintln!(
        "attack figures: {} scrapes, all 200 with the full body; median {median:?}, slowest \
         {slowest:?}; sockets before {sockets_before}, peak {peak_sockets}, after {}; threads \
         before {threads_before}, after {}; trickling connections reopened {}, idle reopened {}; \
         bad heads sent {} (400: {}, 431: {}, other: {})",
        latencies.len(),
        settled.1,
        settled.0,
        load(&counts.trickle_reopened),
        load(&counts.idle_reopened),
        load(&counts.bad_sent),
        load(&counts.bad_400),
        load(&counts.bad_431),
        load(&counts.bad_other),
    );
    assert!(
        peak_sockets <= sockets_before + MAX_CONNECTIONS + 2,
        "{peak_sockets} sockets at the peak, {sockets_before} before"
    );
    assert!(
        load(&counts.bad_sent) > 100,
        "the garbage stream was too thin"
    );
    assert_eq!(
        load(&counts.bad_other),
        0,
        "a bad head got neither 400 nor 431"
    );
}

fn spawn(
    name: &str,
    stop: &Arc<AtomicBool>,
    counts: &Arc<Counts>,
    attack: impl FnOnce(&AtomicBool, &Counts) + Send + 'static,
) -> thread::JoinHandle<()> {
    let (stop, counts) = (Arc::clone(stop), Arc::clone(counts));
    thread::Builder::new()
        .name(format!("attack-{name}"))
        .spawn(move || attack(&stop, &counts))
        .expect("an attacker thread")
}

fn open(addr: SocketAddr) -> Option<TcpStream> {
    wire::connect(addr, Duration::from_secs(2)).ok()
}

const HEAD_START: &[u8] = b"GET /metrics HTTP/1.1\r\nHost: x\r\n";

/// 200 connections, each sending a head one byte every 3 s; a closed one is reopened.
fn trickle(addr: SocketAddr, stop: &AtomicBool, counts: &Counts) {
    let mut connections: Vec<Option<TcpStream>> = (0..TRICKLING).map(|_| None).collect();
    while !stop.load(Ordering::SeqCst) {
        let round = Instant::now();
        for slot in &mut connections {
            let alive = slot
                .as_mut()
                .is_some_and(|stream| stream.write_all(b"X").is_ok());
            if !alive {
                if slot.is_some() {
                    counts.trickle_reopened.fetch_add(1, Ordering::Relaxed);
                }
                *slot = open(addr).filter(|stream| (&*stream).write_all(HEAD_START).is_ok());
            }
        }
        while round.elapsed() < TRICKLE_EVERY && !stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// 1,000 connections that send nothing; every second, the ones the server closed are reopened.
fn idle(addr: SocketAddr, stop: &AtomicBool, counts: &Counts) {
    let mut connections: Vec<Option<TcpStream>> = (0..IDLE).map(|_| None).collect();
    while !stop.load(Ordering::SeqCst) {
        for slot in &mut connections {
            if slot.as_ref().is_some_and(closed_by_peer) {
                counts.idle_reopened.fetch_add(1, Ordering::Relaxed);
                *slot = None;
            }
            if slot.is_none() {
                *slot = open(addr);
            }
        }
        thread::sleep(Duration::from_secs(1));
    }
}

fn closed_by_peer(stream: &TcpStream) -> bool {
    let mut probe = [0_u8; 1];
    let _ = stream.set_nonblocking(true);
    // Open and silent: the read would block. Closed: end of file or an error. Anything the
    // server sent counts as closing too (it answers only before it closes).
    let read = (&*stream).read(&mut probe);
    let _ = stream.set_nonblocking(false);
    !matches!(read, Err(error) if error.kind() == std::io::ErrorKind::WouldBlock)
}

/// Garbage request lines and oversized heads, one after the other, each answer read.
fn garbage(addr: SocketAddr, stop: &AtomicBool, counts: &Counts) {
    let mut oversized = HEAD_START.to_vec();
    oversized.extend_from_slice(b"X-Filler: ");
    oversized.extend(std::iter::repeat_n(b'a', 32 * 1024));
    oversized.extend_from_slice(b"\r\n\r\n");
    let heads: [&[u8]; 3] = [
        b"GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\r\n\r\n",
        &oversized,
    ];
    let mut next = 0;
    while !stop.load(Ordering::SeqCst) {
        let head = heads[next % heads.len()];
        next += 1;
        counts.bad_sent.fetch_add(1, Ordering::Relaxed);
        let counter = match wire::exchange(addr, head)
            .ok()
            .as_deref()
            .and_then(status_of)
        {
            Some(400) => &counts.bad_400,
            Some(431) => &counts.bad_431,
            _ => &counts.bad_other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        thread::sleep(Duration::from_millis(20));
    }
}

/// The threads of process `pid`.
fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(Iterator::count)
        .unwrap_or_else(|error| panic!("cannot read /proc/{pid}/task: {error}"))
}

/// The sockets process `pid` holds open.
fn sockets(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|error| panic!("cannot read /proc/{pid}/fd: {error}"))
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

#[repr(C)]
struct Rlimit {
    current: u64,
    max: u64,
}

unsafe extern "C" {
    fn getrlimit(resource: i32, limit: *mut Rlimit) -> i32;
    fn setrlimit(resource: i32, limit: *const Rlimit) -> i32;
}

const RLIMIT_NOFILE: i32 = 7;

/// The attack holds well over a thousand sockets in this process: raise the soft limit on open
/// files to the hard limit when it is lower than `needed`.
fn raise_open_files_limit(needed: usize) {
    let mut limit = Rlimit { current: 0, max: 0 };
    // SAFETY: `limit` is a valid, writable `struct rlimit` (two `rlim_t`, 64-bit on Linux).
    assert_eq!(
        unsafe { getrlimit(RLIMIT_NOFILE, &mut limit) },
        0,
        "getrlimit"
    );
    if limit.current >= needed as u64 {
        return;
    }
    assert!(
        limit.max >= needed as u64,
        "the hard limit on open files is {}; the attack needs {needed}",
        limit.max
    );
    limit.current = limit.max;
    // SAFETY: as above; only the soft limit changes, within the hard one.
    assert_eq!(unsafe { setrlimit(RLIMIT_NOFILE, &limit) }, 0, "setrlimit");
}

//! End to end: the `/metrics` listener of the pipeline example, spoken to over raw sockets the
//! way careless clients and attackers speak: a malformed request line gets 400, an
//! absolute-form target and a head with bare `\n` line ends are served, an oversized head gets
//! its 431 (not a reset), one kept-alive connection serves several scrapes, and
//! `Accept-Encoding` refusals of gzip are honoured however they are spelled, and a head trickled
//! byte by byte, or never sent, is cut off at the 10-second deadline.

mod support;

use std::io::Write;
use std::time::Duration;

use support::examples::Served;
use support::http::gunzip;
use support::scratch::ScratchDir;
use support::wire::{self, KeptAlive, status_of};

/// A family the pipeline example always exports.
const FAMILY: &str = "# TYPE pipeline_stage_total counter";

fn start(scratch: &ScratchDir) -> Served {
    Served::start(scratch, "pipeline", &[("PIPELINE_FAILURE_RATE", "0")])
}

fn text(answer: &[u8]) -> String {
    String::from_utf8_lossy(answer).into_owned()
}

#[test]
fn malformed_and_unusual_heads_get_their_http_answers() {
    let scratch = ScratchDir::new("e2e-listener-heads");
    let pipeline = start(&scratch);
    let addr = pipeline.addr;

    let garbage = wire::exchange(addr, b"GARBAGE\r\n\r\n").unwrap();
    assert_eq!(status_of(&garbage), Some(400), "{}", text(&garbage));
    let no_version = wire::exchange(addr, b"GET /metrics\r\n\r\n").unwrap();
    assert_eq!(status_of(&no_version), Some(400), "{}", text(&no_version));

    let absolute = wire::exchange(
        addr,
        format!("GET http://{addr}/metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(status_of(&absolute), Some(200), "{}", text(&absolute));
    assert!(text(&absolute).contains(FAMILY), "{}", text(&absolute));

    // Answered at once, not when a deadline passes: exchange() reads for at most 5 s, the head
    // deadline is 10 s.
    let bare_newlines = wire::exchange(
        addr,
        b"GET /metrics HTTP/1.1\nHost: x\nConnection: close\n\n",
    )
    .unwrap();
    assert_eq!(
        status_of(&bare_newlines),
        Some(200),
        "{}",
        text(&bare_newlines)
    );
    assert!(text(&bare_newlines).contains(FAMILY));

    // 64 KiB of header: the 431 arrives before the connection closes, though the server read
    // only part of what was sent.
    let mut oversized = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: ".to_vec();
    oversized.extend(std::iter::repeat_n(b'a', 64 * 1024));
    oversized.extend_from_slice(b"\r\n\r\n");
    for attempt in 0..5 {
        let answer = wire::exchange(addr, &oversized)
            .unwrap_or_else(|error| panic!("attempt {attempt}: {error}"));
        assert_eq!(
            status_of(&answer),
            Some(431),
            "attempt {attempt}: {}",
            text(&answer)
        );
    }

    // The listener is still fine.
    let after = wire::exchange(addr, b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    assert_eq!(status_of(&after), Some(200), "{}", text(&after));
}

#[test]
fn one_kept_alive_connection_serves_several_scrapes() {
    let scratch = ScratchDir::new("e2e-listener-keepalive");
    let pipeline = start(&scratch);
    let mut connection = KeptAlive::connect(pipeline.addr, Duration::from_secs(5)).unwrap();
    for scrape in 0..5 {
        let answer = connection
            .get("/metrics", &[])
            .unwrap_or_else(|error| panic!("scrape {scrape}: {error}"));
        assert_eq!(answer.status, 200, "scrape {scrape}: {answer:?}");
        assert!(String::from_utf8_lossy(&answer.body).contains(FAMILY));
        assert_ne!(answer.header("connection"), Some("close"), "{answer:?}");
    }
    let health = connection.get("/health", &[]).unwrap();
    assert_eq!((health.status, health.body.as_slice()), (200, &b"ok\n"[..]));
}

#[test]
fn accept_encoding_refusals_are_honoured() {
    let scratch = ScratchDir::new("e2e-listener-gzip");
    let pipeline = start(&scratch);
    let mut connection = KeptAlive::connect(pipeline.addr, Duration::from_secs(5)).unwrap();
    for (accept_encoding, gzipped) in [
        ("gzip", true),
        ("*", true),
        ("deflate, GZIP;q=0.5", true),
        ("gzip;q=0, *", false),
        ("*, gzip;q=0", false),
        ("GZIP;Q=0", false),
        ("gzip; q=0.000", false),
        ("*;q=0", false),
        ("identity", false),
        ("br;q=1, *;q=0.1", true),
    ] {
        let answer = connection
            .get("/metrics", &[("Accept-Encoding", accept_encoding)])
            .unwrap();
        assert_eq!(answer.status, 200, "{accept_encoding}: {answer:?}");
        let body = if gzipped {
            assert_eq!(
                answer.header("content-encoding"),
                Some("gzip"),
                "{accept_encoding}"
            );
            gunzip(&answer.body).unwrap()
        } else {
            assert_eq!(answer.header("content-encoding"), None, "{accept_encoding}");
            String::from_utf8(answer.body.clone()).unwrap()
        };
        assert!(
            body.contains(FAMILY),
            "{accept_encoding}: {body:?} {:?}",
            answer.headers
        );
    }
}

#[test]
fn trickling_and_idle_connections_are_closed_at_the_deadline() {
    let scratch = ScratchDir::new("e2e-listener-deadline");
    let pipeline = start(&scratch);
    let mut idle = wire::connect(pipeline.addr, Duration::from_secs(20)).unwrap();
    let mut stream = wire::connect(pipeline.addr, Duration::from_secs(20)).unwrap();
    let started = std::time::Instant::now();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // One byte every second would keep a per-read timeout waiting forever.
    let closed = loop {
        std::thread::sleep(Duration::from_secs(1));
        if stream.write_all(b"X").is_err() || started.elapsed() > Duration::from_secs(20) {
            break started.elapsed();
        }
        let mut probe = [0_u8; 1];
        stream.set_nonblocking(true).unwrap();
        let read = std::io::Read::read(&mut stream, &mut probe);
        stream.set_nonblocking(false).unwrap();
        if read.is_ok() {
            break started.elapsed();
        }
    };
    assert!(
        closed >= Duration::from_secs(9) && closed < Duration::from_secs(15),
        "closed after {closed:?}, the head deadline is 10 s"
    );
    // A connection that sends nothing at all has the same deadline.
    let mut rest = Vec::new();
    let read = std::io::Read::read_to_end(&mut idle, &mut rest);
    let idle_closed = started.elapsed();
    assert!(
        read.is_ok() && idle_closed < Duration::from_secs(15),
        "the idle connection: {read:?} after {idle_closed:?}, the head deadline is 10 s"
    );
}

//! The latency `HttpMetricsLayer` adds: two axum servers in this process, the same no-op route
//! with and without the layer, loaded by one client thread over loopback keep-alive
//! connections, one request at a time, alternating between the servers request by request so
//! that both see the same machine noise. Prints p50/p90/p99/p99.9 of each per run, the
//! differences, and the median difference over the runs; then the same for the two routers
//! called in-process, which shows the layer's own cost without the network's noise.
//!
//! ```sh
//! cargo run --release -p instrument-metrics-examples --bin http_bench
//! ```
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `HTTP_BENCH_REQUESTS` | measured requests per server | `20000` |
//! | `HTTP_BENCH_WARMUP` | unmeasured requests per server first | `2000` |
//! | `HTTP_BENCH_RUNS` | measured runs | `5` |
//! | `HTTP_BENCH_CONTROL` | `true`: neither server has the layer, to show the noise floor | `false` |
//!
//! The server runs on a one-worker Tokio runtime, so the client and the server each have a core
//! on a two-core machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use instrument_metrics::Builder;
use instrument_metrics::http::HttpMetricsLayer;
use instrument_metrics_examples::knobs;
use tower::ServiceExt;

/// The latency target of the layer's overhead at p99.
const TARGET: Duration = Duration::from_micros(20);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("http_bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let requests = knobs::count("HTTP_BENCH_REQUESTS")?.unwrap_or(20_000) as usize;
    let warmup = knobs::count("HTTP_BENCH_WARMUP")?.unwrap_or(2_000) as usize;
    let runs = knobs::count("HTTP_BENCH_RUNS")?.unwrap_or(5) as usize;
    let control = flag("HTTP_BENCH_CONTROL")?;
    // The layer records into the real exporter, as in a service; no port of its own.
    let exporter = Builder::new().without_listener().install()?;

    let plain = Router::new().route("/noop", get(|| async {}));
    let mut layered = Router::new().route("/noop", get(|| async {}));
    if !control {
        layered = layered.layer(HttpMetricsLayer::new());
    }
    let second = if control { "control" } else { "with layer" };

    // Over loopback: what a client sees.
    let (plain_addr, layered_addr) = serve(plain.clone(), layered.clone())?;
    let mut plain_client = Client::connect(plain_addr)?;
    let mut layered_client = Client::connect(layered_addr)?;
    println!(
        "http_bench: GET /noop, {runs} runs of {requests} requests per server after {warmup} \
         warm-up, alternating between the two request by request"
    );
    let network = report(
        &format!("over loopback (sequential, keep-alive), {second}:"),
        second,
        runs,
        warmup,
        requests,
        || plain_client.noop(),
        || layered_client.noop(),
    )?;

    // In-process: the router called directly, so the layer's own cost shows without the
    // network stack's noise.
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let runtime = &runtime;
    let call = |router: &Router| {
        let router = router.clone();
        move || -> std::io::Result<Duration> {
            let request = axum::http::Request::get("/noop")
                .body(axum::body::Body::empty())
                .map_err(std::io::Error::other)?;
            let router = router.clone();
            let start = Instant::now();
            let body = runtime.block_on(async {
                let response = router
                    .oneshot(request)
                    .await
                    .map_err(std::io::Error::other)?;
                axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .map_err(std::io::Error::other)
            })?;
            let elapsed = start.elapsed();
            std::hint::black_box(body);
            Ok(elapsed)
        }
    };
    report(
        &format!("in-process (Router::oneshot, no network), {second}:"),
        second,
        runs,
        warmup,
        requests,
        call(&plain),
        call(&layered),
    )?;

    println!(
        "p99 increase over loopback (median of {runs} runs): {network:+.1} µs; target: under {} \
         µs: {}",
        TARGET.as_micros(),
        if network < micros(TARGET) {
            "ok"
        } else {
            "OVER"
        }
    );
    let counted = exporter
        .render()
        .lines()
        .find(|line| line.starts_with("http_requests_total{handler=\"/noop\""))
        .map(str::to_owned)
        .unwrap_or_else(|| "nothing".to_owned());
    println!("the layer counted: {counted}");
    Ok(())
}

/// Measures `runs` runs of `requests` calls of each, alternating one by one (and which goes
/// first) so both see the same moments of machine noise; prints each run's percentiles and
/// returns the median p99 difference.
fn report(
    title: &str,
    second: &str,
    runs: usize,
    warmup: usize,
    requests: usize,
    mut without: impl FnMut() -> std::io::Result<Duration>,
    mut with: impl FnMut() -> std::io::Result<Duration>,
) -> std::io::Result<f64> {
    let mut measure = |requests: usize| -> std::io::Result<(Vec<Duration>, Vec<Duration>)> {
        let (mut a, mut b) = (Vec::with_capacity(requests), Vec::with_capacity(requests));
        for i in 0..requests {
            if i % 2 == 0 {
                a.push(without()?);
                b.push(with()?);
            } else {
                b.push(with()?);
                a.push(without()?);
            }
        }
        Ok((a, b))
    };
    measure(warmup)?;
    println!();
    println!("{:<28}{}", title, Percentiles::HEADER);
    let (mut p50, mut p99) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let (mut a, mut b) = measure(requests)?;
        let (a, b) = (Percentiles::of(&mut a), Percentiles::of(&mut b));
        println!("{:<28}{a}", format!("  run {run} without layer"));
        println!("{:<28}{b}", format!("  run {run} {second}"));
        println!("{:<28}{}", format!("  run {run} difference"), b.minus(&a));
        p50.push(micros(b.p50) - micros(a.p50));
        p99.push(micros(b.p99) - micros(a.p99));
    }
    let p99 = median(&mut p99);
    println!(
        "  median difference: p50 {:+.1} µs, p99 {p99:+.1} µs",
        median(&mut p50)
    );
    Ok(p99)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn flag(name: &'static str) -> Result<bool, knobs::KnobError> {
    let value = std::env::var(name).unwrap_or_default();
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "off" => Ok(false),
        "true" | "1" | "yes" | "on" => Ok(true),
        _ => Err(knobs::KnobError {
            var: name,
            value,
            expected: "true or false",
        }),
    }
}

/// Starts both servers on one single-worker runtime on a background thread.
fn serve(plain: Router, layered: Router) -> std::io::Result<(SocketAddr, SocketAddr)> {
    let bind = || -> std::io::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    };
    let (plain_listener, layered_listener) = (bind()?, bind()?);
    let addrs = (plain_listener.local_addr()?, layered_listener.local_addr()?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("servers".into())
        .spawn(move || {
            runtime.block_on(async move {
                let start = |listener, router| async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    axum::serve(listener, router).await
                };
                let (plain, layered) = tokio::join!(
                    start(plain_listener, plain),
                    start(layered_listener, layered)
                );
                if let Err(error) = plain.and(layered) {
                    eprintln!("http_bench: server stopped: {error}");
                }
            });
        })?;
    Ok(addrs)
}

/// One keep-alive connection sending `GET /noop` and timing each exchange.
struct Client {
    reader: BufReader<TcpStream>,
    request: Vec<u8>,
    line: String,
}

impl Client {
    fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let request = format!("GET /noop HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes();
        Ok(Client {
            reader: BufReader::new(stream),
            request,
            line: String::new(),
        })
    }

    /// Sends one request and reads the whole response; returns how long that took.
    fn noop(&mut self) -> std::io::Result<Duration> {
        let start = Instant::now();
        self.reader.get_mut().write_all(&self.request)?;
        let mut length = 0;
        let mut first = true;
        loop {
            self.line.clear();
            if self.reader.read_line(&mut self.line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let line = self.line.trim_end();
            if first {
                if !line.starts_with("HTTP/1.1 200") {
                    return Err(std::io::Error::other(format!("answered {line:?}")));
                }
                first = false;
            } else if line.is_empty() {
                break;
            } else if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().map_err(std::io::Error::other)?;
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(start.elapsed())
    }
}

struct Percentiles {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    p999: Duration,
    mean: Duration,
}

impl Percentiles {
    const HEADER: &'static str = "     p50 µs     p90 µs     p99 µs   p99.9 µs    mean µs";

    fn of(latencies: &mut [Duration]) -> Percentiles {
        latencies.sort_unstable();
        // Nearest rank.
        let at = |q: f64| {
            let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
            latencies[rank - 1]
        };
        let total: Duration = latencies.iter().sum();
        Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            mean: total / latencies.len().max(1) as u32,
        }
    }

    /// Signed differences, in microseconds.
    fn minus(&self, other: &Percentiles) -> String {
        let diff = |a: Duration, b: Duration| micros(a) - micros(b);
        format!(
            "{:>+11.1}{:>+11.1}{:>+11.1}{:>+11.1}{:>+11.1}",
            diff(self.p50, other.p50),
            diff(self.p90, other.p90),
            diff(self.p99, other.p99),
            diff(self.p999, other.p999),
            diff(self.mean, other.mean)
        )
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>11.1}{:>11.1}{:>11.1}{:>11.1}{:>11.1}",
            micros(self.p50),
            micros(self.p90),
            micros(self.p99),
            micros(self.p999),
            micros(self.mean)
        )
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

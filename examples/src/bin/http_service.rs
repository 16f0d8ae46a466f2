//! An axum service measured by `instrument_metrics::http::HttpMetricsLayer`, whose handlers are
//! also `#[instrument_metrics]` functions.
//!
//! Routes: `GET /` (hello), `GET /users/{id}` (404 for ids above 1000), `POST /users` (reads the
//! body, answers 201), `GET /slow` (about 200 ms), `GET /error` (500), `GET /stream` (a chunked
//! body sent in several frames), `GET /health` (not recorded). Anything else is 404 and recorded
//! as `handler="none"`, so random paths add no series.
//!
//! `/metrics` is served on `METRICS_ADDR` (default `0.0.0.0:9000`) by the exporter's own
//! listener, or on the service's port when `METRICS_EMBED=true`.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `APP_ADDR` | where the service listens | `127.0.0.1:3000` |
//! | `METRICS_EMBED` | `true`: `/metrics` on `APP_ADDR`, no second port | `false` |
//! | `ENABLE_METRICS`, `METRICS_*` | as for `instrument_metrics::install()` | |

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use instrument_metrics::http::HttpMetricsLayer;
use instrument_metrics::{Builder, MetricLabel, instrument_metrics};
use instrument_metrics_examples::knobs::KnobError;

const DEFAULT_APP_ADDR: &str = "127.0.0.1:3000";

/// Users with these ids exist.
const KNOWN_USERS: u64 = 1000;

/// `/stream` sends this many frames, this far apart.
const STREAM_FRAMES: usize = 5;
const STREAM_INTERVAL: Duration = Duration::from_millis(20);

/// Why a request failed; the variant is the `error` label of `function_calls_total`.
#[derive(Debug, MetricLabel)]
enum ApiError {
    NotFound,
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "no such user\n").into_response(),
            ApiError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "something broke\n").into_response()
            }
        }
    }
}

#[instrument_metrics]
async fn hello() -> &'static str {
    "hello\n"
}

#[instrument_metrics]
async fn get_user(Path(id): Path<u64>) -> Result<String, ApiError> {
    if (1..=KNOWN_USERS).contains(&id) {
        Ok(format!("user {id}\n"))
    } else {
        Err(ApiError::NotFound)
    }
}

#[instrument_metrics]
async fn create_user(body: Bytes) -> (StatusCode, String) {
    (
        StatusCode::CREATED,
        format!("created a user from {} bytes\n", body.len()),
    )
}

#[instrument_metrics]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(200)).await;
    "slow\n"
}

#[instrument_metrics]
async fn fail() -> Result<&'static str, ApiError> {
    Err(ApiError::Internal)
}

/// A body of several frames with pauses between them: chunked, without a Content-Length, so
/// its size is known only by counting what is sent.
#[instrument_metrics]
async fn stream() -> Body {
    let frames = futures_util::stream::unfold(0, |sent| async move {
        if sent == STREAM_FRAMES {
            return None;
        }
        if sent > 0 {
            tokio::time::sleep(STREAM_INTERVAL).await;
        }
        let frame = Bytes::from(format!("frame {sent}\n"));
        Some((Ok::<_, Infallible>(frame), sent + 1))
    });
    Body::from_stream(frames)
}

async fn health() -> &'static str {
    "ok\n"
}

/// The service's routes, without `/metrics`.
fn routes() -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/users/{id}", get(get_user))
        .route("/users", axum::routing::post(create_user))
        .route("/slow", get(slow))
        .route("/error", get(fail))
        .route("/stream", get(stream))
        .route("/health", get(health))
}

/// The whole service. The layer goes on last, after every `route`, `merge`, `nest` and
/// `fallback`: axum's `Router::layer` wraps only what the router holds at that point, and
/// merging a router afterwards (`exporter.router()` here) replaces the layered fallback with
/// the merged router's plain one, so unmatched requests would go unrecorded. Applied inside the
/// router, the layer sees the route template (`MatchedPath`); wrapped around the router from
/// outside, it would run before routing and record every request as `handler="none"`.
fn app(metrics: Option<Router>) -> Router {
    let mut app = routes();
    if let Some(metrics) = metrics {
        app = app.merge(metrics);
    }
    app.layer(HttpMetricsLayer::new().exclude("/health"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("http_service: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let app_addr = app_addr()?;
    let embed = metrics_embed()?;
    let mut builder = Builder::from_env()?.build_info(instrument_metrics::build_info!());
    if embed {
        builder = builder.without_listener();
    }
    let exporter = builder.install()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(app_addr)
            .await
            .map_err(|error| format!("cannot listen on {app_addr} (APP_ADDR): {error}"))?;
        let local = listener.local_addr()?;
        println!("http_service: serving on http://{local}/");
        match (exporter.is_enabled(), embed, exporter.local_addr()) {
            (false, _, _) => println!("http_service: metrics are disabled (ENABLE_METRICS)"),
            (true, true, _) => println!("http_service: metrics on http://{local}/metrics"),
            (true, false, Some(metrics)) => {
                println!("http_service: metrics on http://{metrics}/metrics");
            }
            (true, false, None) => println!("http_service: metrics are pushed, not served"),
        }
        let app = app(embed.then(|| exporter.router()));
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // Without a signal handler the process just runs until it is killed.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            })
            .await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    drop(exporter);
    Ok(())
}

fn app_addr() -> Result<SocketAddr, KnobError> {
    let value = std::env::var("APP_ADDR").unwrap_or_default();
    let value = match value.trim() {
        "" => DEFAULT_APP_ADDR,
        value => value,
    };
    value.parse().map_err(|_| KnobError {
        var: "APP_ADDR",
        value: value.to_owned(),
        expected: "an address such as 127.0.0.1:3000",
    })
}

fn metrics_embed() -> Result<bool, KnobError> {
    let value = std::env::var("METRICS_EMBED").unwrap_or_default();
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "off" => Ok(false),
        "true" | "1" | "yes" | "on" => Ok(true),
        _ => Err(KnobError {
            var: "METRICS_EMBED",
            value,
            expected: "true or false",
        }),
    }
}

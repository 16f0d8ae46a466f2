//! An axum request through axum-prometheus 0.9's `PrometheusMetricLayer`, the layer an axum user
//! would otherwise pick (its own `metrics-exporter-prometheus` recorder, set globally).

include!("shared/http.rs");

const BINARY: &str = "http_axum_prometheus";

static HANDLE: OnceLock<axum_prometheus::metrics_exporter_prometheus::PrometheusHandle> =
    OnceLock::new();

/// Where axum-prometheus runs its upkeep (every 5 s), as in a service.
static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

fn layer(router: Router) -> Router {
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .expect("a runtime")
    });
    let (layer, handle) = {
        let _entered = runtime.enter();
        axum_prometheus::PrometheusMetricLayer::pair()
    };
    assert!(HANDLE.set(handle).is_ok());
    router.layer(layer)
}

fn check(_: &Router) {
    let rendered = HANDLE.get().expect("set in layer").render();
    assert!(
        rendered.contains("/users/{id}"),
        "axum-prometheus did not record:\n{rendered}"
    );
}

//! An axum request through `instrument_metrics::http::HttpMetricsLayer`, into the installed
//! exporter.

include!("shared/http.rs");

const BINARY: &str = "http_ours";

static EXPORTER: OnceLock<instrument_metrics::Exporter> = OnceLock::new();

fn layer(router: Router) -> Router {
    let exporter = instrument_metrics::Builder::new()
        .without_listener()
        .install()
        .expect("install the exporter");
    assert!(EXPORTER.set(exporter).is_ok());
    router.layer(instrument_metrics::http::HttpMetricsLayer::new())
}

fn check(_: &Router) {
    let rendered = EXPORTER.get().expect("installed in layer").render();
    assert!(
        rendered.contains(
            "http_requests_total{handler=\"/users/{id}\",method=\"GET\",status=\"200\"} 1"
        ),
        "the request was not recorded:\n{rendered}"
    );
}

use instrument_metrics::MetricLabel;

#[derive(MetricLabel)]
struct Stage {
    name: &'static str,
}

fn main() {
    let _ = Stage { name: "extract" }.name;
}

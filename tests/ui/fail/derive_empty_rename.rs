use instrument_metrics::MetricLabel;

#[derive(MetricLabel)]
enum StageError {
    Timeout,
    #[metric_label(rename = "")]
    BadInput,
}

fn main() {
    let _ = [StageError::Timeout, StageError::BadInput];
}

use instrument_metrics::MetricLabel;

#[derive(MetricLabel)]
enum StageError {
    Timeout,
    #[metric_label(rename = "timeout")]
    DeadlineExceeded,
    BadInput,
}

fn main() {
    let _ = [
        StageError::Timeout,
        StageError::DeadlineExceeded,
        StageError::BadInput,
    ];
}

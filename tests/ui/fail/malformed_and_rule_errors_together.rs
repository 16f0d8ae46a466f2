use instrument_metrics::instrument_metrics;

// A malformed argument does not hide the others: every problem in the attribute is reported at once,
// the malformed values, the unknown argument and the rules broken by the arguments that did parse.
#[instrument_metrics(
    name = 5,
    labels(le = "fast", 3 = "x", stage = "extract"),
    buckets = [0.1, "x", SLOW],
    in_flight = maybe,
    bucket = [1.0],
    name = "stage_total",
)]
fn extract() -> u32 {
    1
}

struct Stage;

#[instrument_metrics(labels(stage = "load"))]
impl Stage {
    #[instrument_metrics(in_flight = 0, buckets = [1.0, -0.5])]
    fn load(&self) -> u32 {
        2
    }
}

fn main() {
    let _ = extract() + Stage.load();
}

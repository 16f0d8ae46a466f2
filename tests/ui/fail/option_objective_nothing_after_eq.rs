use instrument_metrics::instrument_metrics;

#[instrument_metrics(objective = )]
fn pay() -> u32 {
    1
}

fn main() {
    let _ = pay();
}

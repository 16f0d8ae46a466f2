use instrument_metrics::Objective;

const ALWAYS: Objective = Objective::new("always").success_rate(100.0);

fn main() {
    let _ = ALWAYS;
}

use instrument_metrics::Objective;

const NAMELESS: Objective = Objective::new("").success_rate(99.0);

fn main() {
    let _ = NAMELESS;
}

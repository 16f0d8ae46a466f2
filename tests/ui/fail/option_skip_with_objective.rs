use instrument_metrics::{Objective, instrument_metrics};

const SEARCH: Objective = Objective::new("search").success_rate(99.0);

struct Index;

#[instrument_metrics]
impl Index {
    #[instrument_metrics(skip, objective = SEARCH, last_success)]
    fn find(&self) -> u32 {
        1
    }
}

fn main() {
    let _ = Index.find();
}

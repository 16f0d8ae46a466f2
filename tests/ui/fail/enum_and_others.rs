use instrument_metrics::instrument_metrics;

#[instrument_metrics]
pub(crate) enum Mode {
    Fast,
}

#[instrument_metrics]
static LIMIT: u32 = 1;

#[instrument_metrics]
type Alias = u32;

#[instrument_metrics]
mod stages {
    pub fn extract() {}
}

fn main() {
    let _ = (Mode::Fast, LIMIT, Alias::default());
    stages::extract();
}

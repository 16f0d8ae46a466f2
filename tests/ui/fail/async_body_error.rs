use instrument_metrics::instrument_metrics;

// A mistake inside an instrumented body is reported as it would be without the attribute, and
// nothing else: the expansion adds no error of its own about the return type.
#[instrument_metrics]
async fn lookup(x: u8) -> Option<u8> {
    Some(x + y)
}

#[instrument_metrics]
async fn fetch() -> Result<u8, std::io::Error> {
    let value = missing::call()?;
    Ok(value)
}

#[instrument_metrics]
fn parse(text: &str) -> Result<u8, std::num::ParseIntError> {
    text.parse().map(undefined)
}

fn main() {
    let _ = (lookup(1), fetch(), parse("1"));
}

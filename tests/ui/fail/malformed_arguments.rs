use instrument_metrics::instrument_metrics;

#[instrument_metrics(crate = )]
fn missing_value() -> u32 {
    1
}

#[instrument_metrics(crate instrument_metrics)]
fn missing_equals() -> u32 {
    1
}

#[instrument_metrics("crate")]
fn literal() -> u32 {
    1
}

#[instrument_metrics(crate = instrument_metrics,, )]
fn double_comma() -> u32 {
    1
}

#[instrument_metrics(nmae = "x", crate)]
fn unknown_then_malformed() -> u32 {
    1
}

#[instrument_metrics(buckets(0.1, 0.5), crate = instrument_metrics)]
fn unknown_with_list() -> u32 {
    1
}

fn main() {
    let _ = missing_value() + missing_equals() + literal() + double_comma();
    let _ = unknown_then_malformed() + unknown_with_list();
}

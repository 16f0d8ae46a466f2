use instrument_metrics::instrument_metrics;

// Each argument, and each label, is parsed on its own: leftovers, stray commas and values missing
// at the end of a list are reported where they are, without hiding what follows them.
#[instrument_metrics(name = "a" "b", in_flight = maybe)]
fn leftover_token() -> u8 {
    1
}

#[instrument_metrics(, name = 8, labels(a = x y, b = ""), buckets = [x y])]
fn stray_comma_and_bad_values() -> u8 {
    2
}

#[instrument_metrics(labels(a = ), labels = 5)]
fn missing_label_value() -> u8 {
    3
}

fn main() {
    let _ = leftover_token() + stray_comma_and_bad_values() + missing_label_value();
}

//! Go's number formatting, where Prometheus's output must be predicted to the character: the
//! values its template functions print in alert annotations, and floats as promtool reads them.

/// A float as promtool reads it back to the same bits (the shortest round-trip form).
pub fn go_float_literal(value: f64) -> String {
    let text = format!("{value:?}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

/// `fmt.Sprintf("%.4g", value)`.
fn go_g4(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    const PRECISION: i32 = 4;
    // Four significant digits, correctly rounded, as `d.ddde±x`.
    let scientific = format!("{:.3e}", value.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let count = digits.len() as i32;
    let point = exponent + 1;
    let sign = if value < 0.0 { "-" } else { "" };
    let mut eprec = PRECISION;
    if eprec > count && count >= point {
        eprec = count;
    }
    if exponent < -4 || exponent >= eprec {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.abs()
        );
    }
    let precision = if PRECISION > point { count } else { PRECISION };
    let decimals = (precision - point).max(0);
    let digit = |index: i32| {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.as_bytes().get(index))
            .map_or('0', |byte| char::from(*byte))
    };
    let mut text = sign.to_owned();
    if point <= 0 {
        text.push('0');
    } else {
        text.extend((0..point).map(digit));
    }
    if decimals > 0 {
        text.push('.');
        text.extend((point..point + decimals).map(digit));
    }
    text
}

/// Prometheus's `humanizePercentage`.
pub fn humanize_percentage(value: f64) -> String {
    format!("{}%", go_g4(value * 100.0))
}

/// Prometheus's `humanizeDuration`.
pub fn humanize_duration(value: f64) -> String {
    if value.is_nan() || value.is_infinite() {
        return go_g4(value);
    }
    if value == 0.0 {
        return format!("{}s", go_g4(value));
    }
    if value.abs() >= 1.0 {
        let sign = if value < 0.0 { "-" } else { "" };
        let value = value.abs();
        let whole = value as i64;
        let (seconds, minutes, hours, days) = (
            whole % 60,
            (whole / 60) % 60,
            (whole / 3600) % 24,
            whole / 86_400,
        );
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", go_g4(value))
        };
    }
    let mut value = value;
    let mut prefix = "";
    for unit in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if value.abs() >= 1.0 {
            break;
        }
        prefix = unit;
        value *= 1000.0;
    }
    format!("{}{prefix}s", go_g4(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_g4_matches_go() {
        for (value, go) in [
            (2.0, "2"),
            (2.485, "2.485"),
            (0.5, "0.5"),
            (50.5, "50.5"),
            (1234.5678, "1235"),
            (12345.0, "1.234e+04"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (597.0, "597"),
            (1.0e6, "1e+06"),
            (99.99999, "100"),
            (-3.25, "-3.25"),
        ] {
            assert_eq!(go_g4(value), go, "{value}");
        }
    }

    #[test]
    fn humanize_like_prometheus() {
        assert_eq!(humanize_percentage(0.02), "2%");
        assert_eq!(humanize_duration(0.597), "597ms");
        assert_eq!(humanize_duration(1.99), "1.99s");
        assert_eq!(humanize_duration(125.0), "2m 5s");
    }
}

//! Enough PromQL to see which metric names an expression reads, and where a namespace prefix
//! goes in a name.

const GROUPING: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "atan2",
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "inf",
    "nan",
];

/// The metric names an expression selects (`foo` in `rate(foo{a="b"}[5m])`), in order.
/// Template variables must be substituted first.
pub fn metric_names(expr: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = skip_string(&chars, i).ok_or_else(|| format!("unclosed string in {expr:?}"))?;
        } else if c == '{' || c == '[' {
            let close = if c == '{' { '}' } else { ']' };
            i = skip_group(&chars, i, c, close)
                .ok_or_else(|| format!("unclosed {c} in {expr:?}"))?;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // A number or a duration: 0.99, 1e-9, 5m, 0x1f.
            let start = i;
            while i < chars.len() {
                let d = chars[i];
                let exponent_sign = (d == '+' || d == '-')
                    && i > start
                    && matches!(chars[i - 1], 'e' | 'E')
                    && !chars[start..i].contains(&'x');
                if d.is_ascii_alphanumeric() || d == '.' || exponent_sign {
                    i += 1;
                } else {
                    break;
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut next = i;
            while next < chars.len() && chars[next].is_whitespace() {
                next += 1;
            }
            let opens = chars.get(next) == Some(&'(');
            if GROUPING.contains(&word.as_str()) {
                if opens {
                    i = skip_group(&chars, next, '(', ')')
                        .ok_or_else(|| format!("unclosed label list in {expr:?}"))?;
                }
            } else if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) || opens {
                // An operator, an aggregation or a function call.
            } else {
                names.push(word);
            }
        } else {
            i += 1;
        }
    }
    Ok(names)
}

/// The index after the string starting at `start`.
fn skip_string(chars: &[char], start: usize) -> Option<usize> {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote != '`' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index after the `open ... close` group starting at `start`, strings inside skipped.
fn skip_group(chars: &[char], start: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = skip_string(chars, i)?;
            continue;
        }
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// Whether `name` carries `prefix`: `acme_foo`, or a recorded `level:acme_foo:operations`.
pub fn has_prefix(name: &str, prefix: &str) -> bool {
    match name.split(':').collect::<Vec<_>>().as_slice() {
        [metric] => metric.starts_with(prefix),
        [_level, metric, _operations] => metric.starts_with(prefix),
        _ => false,
    }
}

/// `name` with `prefix` added where the exporter (or a recording rule) would put it.
pub fn with_prefix(name: &str, prefix: &str) -> String {
    match name.split(':').collect::<Vec<_>>().as_slice() {
        [level, metric, operations] => format!("{level}:{prefix}{metric}:{operations}"),
        _ => format!("{prefix}{name}"),
    }
}

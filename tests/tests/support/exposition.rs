//! A small parser of the Prometheus text exposition format (0.0.4), enough to assert on samples.

use std::collections::BTreeMap;

/// One sample line: `name{label="value",...} value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    /// The value of `label`, or `""` when the sample does not have it.
    pub fn label(&self, label: &str) -> &str {
        self.labels.get(label).map_or("", String::as_str)
    }
}

/// Every sample in `text`, skipping comments and blank lines.
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    sample_lines(text)
        .map(|line| parse_sample(line).map_err(|error| format!("{error} in line {line:?}")))
        .collect()
}

/// Like [`parse`], but a line that is not valid exposition fails the test.
pub fn samples(text: &str) -> Vec<Sample> {
    sample_lines(text)
        .map(|line| {
            parse_sample(line).unwrap_or_else(|_| panic!("not an exposition sample line: {line:?}"))
        })
        .collect()
}

fn sample_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The value of the one sample named `name` whose label set is exactly `labels`.
pub fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    let mut found = samples(text)
        .into_iter()
        .filter(|sample| sample.name == name && sample.labels == wanted);
    let first = found.next()?;
    assert!(
        found.next().is_none(),
        "two samples {name}{wanted:?} in:\n{text}"
    );
    Some(first.value)
}

/// Like [`value`], but a missing sample fails the test with the whole exposition shown.
pub fn expect_value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    value(text, name, labels).unwrap_or_else(|| panic!("no sample {name}{labels:?} in:\n{text}"))
}

/// The `# TYPE` of each family.
pub fn types(text: &str) -> BTreeMap<String, String> {
    comments(text, "# TYPE ")
}

/// The `# HELP` of each family.
pub fn helps(text: &str) -> BTreeMap<String, String> {
    comments(text, "# HELP ")
}

fn comments(text: &str, prefix: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .filter_map(|rest| rest.split_once(' '))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(after_brace)?;
        labels = parsed;
        rest = after;
    }
    let value_text = rest.split_whitespace().next().ok_or("no value")?;
    let value = match value_text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        other => other.parse().map_err(|_| format!("bad value {other:?}"))?,
    };
    Ok(Sample {
        name,
        labels,
        value,
    })
}

/// Parses `key="value",...}` and returns the labels and what follows the `}`.
fn parse_labels(mut text: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    loop {
        text = text.trim_start_matches([' ', ',']);
        if let Some(after) = text.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (key, after_key) = text.split_once("=\"").ok_or("label without =\"")?;
        let mut value = String::new();
        let mut chars = after_key.char_indices();
        let end = loop {
            match chars.next() {
                Some((index, '"')) => break index,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped @ ('\\' | '"'))) => value.push(escaped),
                    other => return Err(format!("bad escape {other:?} in label {key}")),
                },
                Some((_, c)) => value.push(c),
                None => return Err(format!("unterminated value of label {key}")),
            }
        };
        let key = key.trim();
        if labels.insert(key.to_owned(), value).is_some() {
            return Err(format!("label {key} twice"));
        }
        text = &after_key[end + 1..];
    }
}

//! The rule files the dashboards generator writes: their YAML (plain, single-quoted and `|-`
//! block scalars) and the recording and alerting rules in them.

/// The scalar values of every `key:` in a YAML document, list items (`- key:`) included.
pub fn yaml_values(yaml: &str, key: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut values = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let content = line.trim_start();
        let indent = line.len() - content.len();
        let content = content.strip_prefix("- ").unwrap_or(content);
        let Some(value) = content
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
        else {
            continue;
        };
        let value = value.trim();
        if value == "|-" || value == "|" {
            let block: Vec<&str> = lines[index + 1..]
                .iter()
                .take_while(|next| {
                    let next_indent = next.len() - next.trim_start().len();
                    next.trim().is_empty() || next_indent > indent
                })
                .copied()
                .collect();
            let dedent = block
                .iter()
                .filter(|line| !line.trim().is_empty())
                .map(|line| line.len() - line.trim_start().len())
                .min()
                .unwrap_or(0);
            let text: Vec<&str> = block
                .iter()
                .map(|line| line.get(dedent..).unwrap_or_default())
                .collect();
            values.push(text.join("\n").trim_end().to_owned());
        } else if let Some(quoted) = value.strip_prefix('\'') {
            values.push(
                quoted
                    .strip_suffix('\'')
                    .unwrap_or(quoted)
                    .replace("''", "'"),
            );
        } else if value.starts_with('"') {
            values.push(serde_json::from_str(value).unwrap_or_else(|_| value.to_owned()));
        } else {
            values.push(value.to_owned());
        }
    }
    values
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    Record,
    Alert,
}

/// One rule of a rule file.
#[derive(Clone, Debug)]
pub struct Rule {
    pub kind: RuleKind,
    /// The recorded series or the alert.
    pub name: String,
    pub expr: String,
}

/// The rules of a rule file, in order.
pub fn rules(yaml: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    // Rules are split at their `- record:` / `- alert:` line; each has one `expr`.
    let mut current: Option<(RuleKind, String, String)> = None;
    let mut flush = |current: &mut Option<(RuleKind, String, String)>| {
        if let Some((kind, name, body)) = current.take() {
            let expr = yaml_values(&body, "expr")
                .into_iter()
                .next()
                .unwrap_or_default();
            rules.push(Rule { kind, name, expr });
        }
    };
    for line in yaml.lines() {
        let trimmed = line.trim_start();
        let started = [
            ("- record:", RuleKind::Record),
            ("- alert:", RuleKind::Alert),
        ]
        .into_iter()
        .find_map(|(marker, kind)| {
            trimmed
                .strip_prefix(marker)
                .map(|name| (kind, name.trim().to_owned()))
        });
        if let Some((kind, name)) = started {
            flush(&mut current);
            current = Some((kind, name, String::new()));
        } else if trimmed.starts_with("- name:") {
            flush(&mut current);
        } else if let Some((_, _, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(&mut current);
    rules
}

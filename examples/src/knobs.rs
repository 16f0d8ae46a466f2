//! The examples' environment knobs. A value that does not parse is an error naming the variable
//! and the value, as `instrument_metrics::install()` does for its own variables.

use std::fmt;

/// A knob holds a value that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnobError {
    /// The variable, e.g. `PIPELINE_FAILURE_RATE`.
    pub var: &'static str,
    /// What it held.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

impl fmt::Display for KnobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value {:?} for {}: expected {}",
            self.value, self.var, self.expected
        )
    }
}

impl std::error::Error for KnobError {}

/// The variable's value; unset and empty both mean "not configured".
fn var(name: &'static str) -> Result<Option<String>, KnobError> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value.trim().to_owned())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(value)) => Err(KnobError {
            var: name,
            value: value.to_string_lossy().into_owned(),
            expected: "valid UTF-8",
        }),
    }
}

/// A probability from 0 to 1, `default` when unset.
///
/// # Errors
///
/// When the variable holds anything but a number from 0 to 1.
pub fn probability(name: &'static str, default: f64) -> Result<f64, KnobError> {
    let Some(value) = var(name)? else {
        return Ok(default);
    };
    match value.parse::<f64>() {
        Ok(parsed) if (0.0..=1.0).contains(&parsed) => Ok(parsed),
        _ => Err(KnobError {
            var: name,
            value,
            expected: "a number from 0 to 1, such as 0.05",
        }),
    }
}

/// A positive count, `None` when unset.
///
/// # Errors
///
/// When the variable holds anything but a whole number greater than 0.
pub fn count(name: &'static str) -> Result<Option<u64>, KnobError> {
    let Some(value) = var(name)? else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(parsed) if parsed > 0 => Ok(Some(parsed)),
        _ => Err(KnobError {
            var: name,
            value,
            expected: "a whole number greater than 0",
        }),
    }
}

/// Any 64-bit number, `None` when unset.
///
/// # Errors
///
/// When the variable holds anything but a whole number.
pub fn seed(name: &'static str) -> Result<Option<u64>, KnobError> {
    let Some(value) = var(name)? else {
        return Ok(None);
    };
    value.parse::<u64>().map(Some).map_err(|_| KnobError {
        var: name,
        value,
        expected: "a whole number",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_variable_and_value() {
        let error = KnobError {
            var: "PIPELINE_FAILURE_RATE",
            value: "lots".into(),
            expected: "a number from 0 to 1, such as 0.05",
        };
        assert_eq!(
            error.to_string(),
            "invalid value \"lots\" for PIPELINE_FAILURE_RATE: expected a number from 0 to 1, such as 0.05"
        );
    }

    #[test]
    fn unset_knobs_take_their_defaults() {
        assert_eq!(
            probability("INSTRUMENT_METRICS_EXAMPLES_UNSET_KNOB", 0.25),
            Ok(0.25)
        );
        assert_eq!(count("INSTRUMENT_METRICS_EXAMPLES_UNSET_KNOB"), Ok(None));
        assert_eq!(seed("INSTRUMENT_METRICS_EXAMPLES_UNSET_KNOB"), Ok(None));
    }
}

//! How a call ended, decided from the meaning of its return type.

use crate::model::{LabelValue, MetricLabel, Outcome};

/// An outcome, and for an `Err` whose type is a [`MetricLabel`], which error it was.
#[derive(Clone, Copy, Debug)]
pub struct Classified {
    outcome: Outcome,
    error: Option<LabelValue>,
}

impl Classified {
    /// The `result` label.
    #[inline]
    pub(crate) fn outcome(self) -> Outcome {
        self.outcome
    }

    /// The `error` label, for an `Err` whose type is a [`MetricLabel`].
    #[inline]
    pub(crate) fn error(self) -> Option<LabelValue> {
        self.error
    }
}

impl From<Outcome> for Classified {
    fn from(outcome: Outcome) -> Self {
        Classified {
            outcome,
            error: None,
        }
    }
}

/// Classifies a returned value by its type, at the call site where the type is concrete.
///
/// `Classify(&value).outcome()` resolves to the first of three inherent methods that applies:
/// a `Result` whose error type is a [`MetricLabel`] (`error` with the variant), any `Result` of
/// any spelling (`io::Result<T>`, `fmt::Result`, `anyhow::Result<T>`, a local alias), and, for
/// everything else, [`NotAResult`] (`ok`). Each level dereferences to the next, so no trait has
/// to be in scope in the user's code and the expansion adds no imports.
#[repr(transparent)]
pub struct Classify<'a, T: ?Sized>(pub &'a T);

/// What [`Classify`] dereferences to: a `Result` whose error type is not a label.
#[repr(transparent)]
pub struct Unlabelled<'a, T: ?Sized>(&'a T);

/// What [`Unlabelled`] dereferences to for return types that are not `Result`s.
pub struct NotAResult;

impl<T, E: MetricLabel> Classify<'_, Result<T, E>> {
    /// `ok`, or `error` with the error's label.
    #[inline]
    pub fn outcome(&self) -> Classified {
        match self.0 {
            Ok(_) => Outcome::Ok.into(),
            Err(error) => Classified {
                outcome: Outcome::Error,
                error: Some(LabelValue::of(error)),
            },
        }
    }
}

impl<T, E> Unlabelled<'_, Result<T, E>> {
    /// `ok` or `error`.
    #[inline]
    pub fn outcome(&self) -> Classified {
        if self.0.is_ok() {
            Outcome::Ok.into()
        } else {
            Outcome::Error.into()
        }
    }
}

impl NotAResult {
    /// Always `ok`: a value that cannot say it failed did not fail.
    #[inline]
    pub fn outcome(&self) -> Classified {
        Outcome::Ok.into()
    }
}

impl<'a, T: ?Sized> std::ops::Deref for Classify<'a, T> {
    type Target = Unlabelled<'a, T>;

    #[inline]
    fn deref(&self) -> &Unlabelled<'a, T> {
        // SAFETY: both types are `repr(transparent)` over `&'a T`, so they have the same layout
        // and the cast reinterprets one reference to the same `&'a T` as the other.
        unsafe { &*std::ptr::from_ref(self).cast::<Unlabelled<'a, T>>() }
    }
}

impl<T: ?Sized> std::ops::Deref for Unlabelled<'_, T> {
    type Target = NotAResult;

    #[inline]
    fn deref(&self) -> &NotAResult {
        &NotAResult
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Aliased<T> = Result<T, std::io::Error>;

    enum StageError {
        Timeout,
        BadInput,
    }

    impl MetricLabel for StageError {
        const VALUES: &'static [&'static str] = &["timeout", "bad_input"];

        fn index(&self) -> usize {
            match self {
                StageError::Timeout => 0,
                StageError::BadInput => 1,
            }
        }
    }

    fn outcome(classified: Classified) -> (Outcome, Option<&'static str>) {
        (classified.outcome, classified.error.map(LabelValue::as_str))
    }

    #[test]
    fn results_of_any_spelling_are_classified_by_value() {
        let ok: std::io::Result<u8> = Ok(1);
        let err: Aliased<u8> = Err(std::io::Error::other("x"));
        let fmt_err: std::fmt::Result = Err(std::fmt::Error);
        assert_eq!(outcome(Classify(&ok).outcome()), (Outcome::Ok, None));
        assert_eq!(outcome(Classify(&err).outcome()), (Outcome::Error, None));
        assert_eq!(
            outcome(Classify(&fmt_err).outcome()),
            (Outcome::Error, None)
        );
    }

    #[test]
    fn label_errors_carry_their_variant() {
        let timeout: Result<(), StageError> = Err(StageError::Timeout);
        let bad: Result<(), StageError> = Err(StageError::BadInput);
        let fine: Result<(), StageError> = Ok(());
        assert_eq!(
            outcome(Classify(&timeout).outcome()),
            (Outcome::Error, Some("timeout"))
        );
        assert_eq!(
            outcome(Classify(&bad).outcome()),
            (Outcome::Error, Some("bad_input"))
        );
        assert_eq!(outcome(Classify(&fine).outcome()), (Outcome::Ok, None));
    }

    #[test]
    fn other_types_are_ok() {
        assert_eq!(outcome(Classify(&42_u8).outcome()), (Outcome::Ok, None));
        assert_eq!(
            outcome(Classify(&None::<u8>).outcome()),
            (Outcome::Ok, None)
        );
        assert_eq!(outcome(Classify("str").outcome()), (Outcome::Ok, None));
    }

    fn generic<T>(value: &T) -> Classified {
        Classify(value).outcome()
    }

    #[test]
    fn a_generic_return_type_is_ok_even_when_it_is_a_result() {
        assert_eq!(outcome(generic(&Err::<u8, u8>(1))), (Outcome::Ok, None));
    }
}

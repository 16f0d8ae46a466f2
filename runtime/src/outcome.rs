//! How a call ended, decided from the meaning of its return type.

/// The `result` label of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Returned normally; for `Result`-typed returns, returned `Ok`.
    Ok = 0,
    /// Returned `Err`.
    Error = 1,
    /// The body unwound.
    Panic = 2,
    /// The future was dropped before it completed.
    Cancelled = 3,
}

impl Outcome {
    pub(crate) const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Panic,
        Outcome::Cancelled,
    ];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// Classifies a returned value by its type, at the call site where the type is concrete.
///
/// `Classify(&value).outcome()` finds the inherent method below when the value is a `Result` of
/// any spelling (`io::Result<T>`, `fmt::Result`, `anyhow::Result<T>`, a local alias) and
/// otherwise dereferences to [`NotAResult`], whose method says `ok`. No trait has to be in scope
/// in the user's code, so the expansion adds no imports and no lints.
pub struct Classify<'a, T: ?Sized>(pub &'a T);

impl<T, E> Classify<'_, Result<T, E>> {
    /// `ok` or `error`.
    #[inline]
    pub fn outcome(&self) -> Outcome {
        if self.0.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        }
    }
}

/// What [`Classify`] dereferences to for return types that are not `Result`s.
pub struct NotAResult;

impl NotAResult {
    /// Always `ok`: a value that cannot say it failed did not fail.
    #[inline]
    pub fn outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

impl<T: ?Sized> std::ops::Deref for Classify<'_, T> {
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

    #[test]
    fn results_of_any_spelling_are_classified_by_value() {
        let ok: std::io::Result<u8> = Ok(1);
        let err: Aliased<u8> = Err(std::io::Error::other("x"));
        let fmt_err: std::fmt::Result = Err(std::fmt::Error);
        assert_eq!(Classify(&ok).outcome(), Outcome::Ok);
        assert_eq!(Classify(&err).outcome(), Outcome::Error);
        assert_eq!(Classify(&fmt_err).outcome(), Outcome::Error);
    }

    #[test]
    fn other_types_are_ok() {
        assert_eq!(Classify(&42_u8).outcome(), Outcome::Ok);
        assert_eq!(Classify(&Some(1)).outcome(), Outcome::Ok);
        assert_eq!(Classify(&None::<u8>).outcome(), Outcome::Ok);
        assert_eq!(Classify("str").outcome(), Outcome::Ok);
    }

    fn generic<T>(value: &T) -> Outcome {
        Classify(value).outcome()
    }

    #[test]
    fn a_generic_return_type_is_ok_even_when_it_is_a_result() {
        assert_eq!(generic(&Err::<u8, u8>(1)), Outcome::Ok);
    }
}

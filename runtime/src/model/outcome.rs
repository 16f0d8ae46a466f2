//! The values of the `result` label.

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
    /// Every outcome, in the order of their `u8` values.
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

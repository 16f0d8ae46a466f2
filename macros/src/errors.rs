//! The one place the errors of an attribute or a derive are collected, as serde's `Ctxt` does:
//! every step reports into it and goes on, so that all mistakes are shown together, each on its
//! own token, and the entry point turns them into `compile_error!`s once, at the end.

use proc_macro2::TokenStream;

/// The errors found so far, in the order they were found.
///
/// Dropping it while it still holds errors is a bug (they would be lost): it panics, unless
/// [`finish`](Errors::finish) took them.
#[derive(Default)]
pub(crate) struct Errors {
    found: Vec<syn::Error>,
}

impl Errors {
    pub(crate) fn new() -> Errors {
        Errors::default()
    }

    /// Reports an error (it may hold several messages, each keeps its span).
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.found.push(error);
    }

    /// Reports the error of a failed step; the value of a step that worked comes back.
    pub(crate) fn push_result<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// Runs a step that reports into `self`, and returns its value when it reported nothing,
    /// so a part that failed (one method's arguments) is left out while the others go on.
    pub(crate) fn checked<T>(&mut self, step: impl FnOnce(&mut Errors) -> T) -> Option<T> {
        let before = self.found.len();
        let value = step(self);
        (self.found.len() == before).then_some(value)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Every error reported, combined into one, or `Ok` when there was none.
    pub(crate) fn finish(mut self) -> syn::Result<()> {
        let mut found = std::mem::take(&mut self.found).into_iter();
        match found.next() {
            None => Ok(()),
            Some(mut first) => {
                found.for_each(|error| first.combine(error));
                Err(first)
            }
        }
    }

    /// The `compile_error!`s of every error reported; nothing when there was none.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.finish()
            .err()
            .map(syn::Error::into_compile_error)
            .unwrap_or_default()
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !self.found.is_empty() && !std::thread::panicking() {
            panic!("errors were collected and then dropped without being reported");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Errors;
    use proc_macro2::Span;

    fn error(message: &str) -> syn::Error {
        syn::Error::new(Span::call_site(), message)
    }

    #[test]
    fn finish_combines_in_the_order_reported() {
        let mut errors = Errors::new();
        assert_eq!(errors.push_result(Ok::<_, syn::Error>(1)), Some(1));
        errors.push(error("first"));
        assert_eq!(errors.push_result(Err::<(), _>(error("second"))), None);
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|error| error.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn checked_keeps_only_what_reported_nothing() {
        let mut errors = Errors::new();
        assert_eq!(errors.checked(|_| 1), Some(1));
        assert_eq!(errors.checked(|errors| errors.push(error("bad"))), None);
        assert_eq!(errors.checked(|_| 2), Some(2));
        assert!(!errors.is_empty());
        assert!(errors.finish().is_err());
        assert!(Errors::new().finish().is_ok());
        assert!(Errors::new().into_compile_errors().is_empty());
    }
}

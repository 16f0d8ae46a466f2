//! Secrets: a bearer token or a password, read from a file (a mounted secret) and never shown.

use std::fmt;
use std::path::Path;

use super::parse::invalid;
use crate::error::Error;

/// A value that `Debug` and error messages never show.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Secret {
        Secret(value)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

/// The secret in the file at `path` (`origin` names the setting), without the line end a
/// secret file usually has. An unreadable or empty file is an error naming the setting and the
/// path, never the content.
pub(crate) fn read_secret(origin: &'static str, path: &Path) -> Result<Secret, Error> {
    let shown = path.display().to_string();
    let content = std::fs::read_to_string(path)
        .map_err(|error| invalid(origin, &shown, format!("a readable file ({error})")))?;
    let secret = content.trim_end_matches(['\r', '\n']);
    if secret.trim().is_empty() {
        return Err(invalid(
            origin,
            &shown,
            "a file holding the secret; it is empty",
        ));
    }
    Ok(Secret(secret.to_owned()))
}

/// The file at `path`, for certificates and keys: an error names the setting and the path.
#[cfg(feature = "tls")]
pub(crate) fn read_file(origin: &'static str, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|error| {
        invalid(
            origin,
            &path.display().to_string(),
            format!("a readable file ({error})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_read_trimmed_and_never_shown() {
        let dir = std::env::temp_dir().join(format!("im-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "s3cret\n").unwrap();
        let secret = read_secret("METRICS_AUTH_TOKEN_FILE", &file).unwrap();
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(format!("{secret:?}"), "<hidden>");
        std::fs::write(&file, "\n").unwrap();
        let error = read_secret("METRICS_AUTH_TOKEN_FILE", &file)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("METRICS_AUTH_TOKEN_FILE") && error.contains("empty"),
            "{error}"
        );
        let missing = dir.join("missing");
        let error = read_secret("METRICS_AUTH_TOKEN_FILE", &missing)
            .unwrap_err()
            .to_string();
        assert!(error.contains(&missing.display().to_string()), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

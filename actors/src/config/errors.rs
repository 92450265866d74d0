//! Public error types of config loading.
//!
//! Every problem is reported as `key.path (line N): message`, and a load
//! reports all problems it found rather than the first one, so a user fixes
//! a broken file in one pass.

use std::fmt;

/// One problem in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted key path, e.g. `repos.my-project.email.imap.port`; list items
    /// appear as `authorized[2]`. Empty for file-level problems.
    pub path: String,
    /// 1-based line in the YAML file, when the problem has a location.
    pub line: Option<usize>,
    /// What is wrong, written for the person editing the file. Never contains
    /// a secret value.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(
        path: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.line) {
            (false, Some(line)) => write!(f, "{} (line {line}): {}", self.path, self.message),
            (false, None) => write!(f, "{}: {}", self.path, self.message),
            (true, Some(line)) => write!(f, "line {line}: {}", self.message),
            (true, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// All problems found while loading a config; `Display` prints one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(&self.errors))]
pub struct ConfigErrors {
    /// The problems, ordered by line (problems without a line last).
    pub errors: Vec<ConfigError>,
    file_missing: bool,
}

impl ConfigErrors {
    pub(crate) fn new(mut errors: Vec<ConfigError>) -> Self {
        // Stable sort keeps discovery order for problems on the same line.
        errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        Self {
            errors,
            file_missing: false,
        }
    }

    pub(crate) fn single(error: ConfigError) -> Self {
        Self::new(vec![error])
    }

    pub(crate) fn missing_file(error: ConfigError) -> Self {
        Self {
            errors: vec![error],
            file_missing: true,
        }
    }

    /// True when the config file does not exist, so the caller may fall back
    /// to `ServerConfig::default()` instead of failing.
    pub fn is_file_missing(&self) -> bool {
        self.file_missing
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Never true for a value returned by `load`; present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.errors.iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

fn render(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(ConfigError::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

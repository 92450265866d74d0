//! Collector threaded through validation: errors, warnings and the secrets
//! seen so far. Validation never stops at the first problem; each step
//! records what it found and carries on with what it could read.

use std::fmt::Display;

use super::errors::ConfigError;
use super::secret::SecretRegistry;

#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub errors: Vec<ConfigError>,
    pub warnings: Vec<String>,
    pub secrets: SecretRegistry,
}

impl Diagnostics {
    pub fn error(&mut self, path: &str, line: usize, message: impl Into<String>) {
        self.errors
            .push(ConfigError::new(path, Some(line), message));
    }

    /// Warnings use the same `path (line N): message` shape as errors.
    pub fn warn(&mut self, path: &str, line: usize, message: impl Display) {
        let w = ConfigError::new(path, Some(line), message.to_string());
        self.warnings.push(w.to_string());
    }
}

/// Marker for "this part was invalid and the problem is already recorded".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;

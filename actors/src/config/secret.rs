//! Secret values: a `Secret` newtype that never prints its value, and the
//! `SecretRegistry` that scrubs every configured secret from text before it
//! reaches a log line, an email or the dashboard.

use std::borrow::Cow;
use std::fmt;

/// Text written in place of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// A configured secret (password, token, private key, ...).
///
/// `Debug` prints `Secret([REDACTED])` and there is no `Display`, so a
/// `{:?}` of any config struct cannot leak it; call [`Secret::expose`] at
/// the single place that really needs the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The real value. Keep the result out of logs and error messages.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

/// Every secret value of a loaded config, for redaction.
///
/// Rules (see spec/config.md):
/// - values shorter than [`SecretRegistry::MIN_LEN`] characters are not
///   registered: replacing `"no"` or `"1"` everywhere would wreck every log
///   line while protecting nothing worth protecting;
/// - a multi-line value (a PEM key) is registered whole and also line by
///   line, because logs usually show one line of it; lines starting with
///   `-----` (PEM armour) are public and skipped;
/// - matching is exact and case-sensitive; at each position the longest
///   registered value wins, so a secret containing another is hidden whole.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretRegistry {
    /// Sorted longest first, deduplicated.
    values: Vec<String>,
}

impl SecretRegistry {
    /// Shortest value (in characters) that is registered.
    pub const MIN_LEN: usize = 4;

    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `value` (and, when multi-line, its lines).
    pub fn register(&mut self, value: &str) {
        self.insert(value);
        if value.contains('\n') {
            for line in value.lines() {
                let line = line.trim();
                if line.chars().count() >= 16 && !line.starts_with("-----") {
                    self.insert(line);
                }
            }
        }
    }

    /// Adds every value of `other`.
    pub fn extend(&mut self, other: &SecretRegistry) {
        for value in &other.values {
            self.insert(value);
        }
    }

    fn insert(&mut self, value: &str) {
        if value.chars().count() < Self::MIN_LEN || self.values.iter().any(|v| v == value) {
            return;
        }
        let at = self.values.partition_point(|v| v.len() >= value.len());
        self.values.insert(at, value.to_owned());
    }

    /// Number of registered values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// True when `text` contains a registered value.
    pub fn contains_secret(&self, text: &str) -> bool {
        self.values.iter().any(|v| text.contains(v.as_str()))
    }

    /// `text` with every registered value replaced by `[REDACTED]`.
    ///
    /// One left-to-right pass: a replacement is never rescanned, so
    /// `[REDACTED]` itself cannot be matched by a short secret.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.contains_secret(text) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        'scan: while let Some(c) = rest.chars().next() {
            // `values` is longest first, so the first hit is the longest.
            for value in &self.values {
                if rest.starts_with(value.as_str()) {
                    out.push_str(REDACTED);
                    rest = &rest[value.len()..];
                    continue 'scan;
                }
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        Cow::Owned(out)
    }
}

impl fmt::Debug for SecretRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretRegistry")
            .field("registered", &self.values.len())
            .finish()
    }
}

#[cfg(test)]
#[path = "secret_tests.rs"]
mod tests;

//! What Claude Code the operator asked for, and the version syntax. Pure.

use std::cmp::Ordering;
use std::fmt;
use std::path::PathBuf;

use super::error::ClaudeBinaryError;

/// Longest version string accepted; real ones are about ten characters.
const MAX_VERSION_LEN: usize = 64;

/// Where the Claude Code binary for a task comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaudeSource {
    /// The config's `claude_binary`: used as is, never downloaded.
    LocalBinary(PathBuf),
    /// The config's `claude_version`: `latest`, `stable` or `X.Y.Z[-suffix]`.
    Version(String),
}

/// A release channel: a name whose current version the CDN tells us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Latest,
    Stable,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Latest, Channel::Stable];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Latest => "latest",
            Channel::Stable => "stable",
        }
    }

    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `claude_version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRequest {
    Channel(Channel),
    Exact(String),
}

impl VersionRequest {
    /// Parses `latest`, `stable` or an exact version; anything else is
    /// [`ClaudeBinaryError::InvalidVersion`].
    pub fn parse(text: &str) -> Result<VersionRequest, ClaudeBinaryError> {
        if let Some(channel) = Channel::from_name(text) {
            return Ok(VersionRequest::Channel(channel));
        }
        if is_exact_version(text) {
            return Ok(VersionRequest::Exact(text.to_owned()));
        }
        Err(ClaudeBinaryError::InvalidVersion {
            given: text.to_owned(),
        })
    }
}

/// `MAJOR.MINOR.PATCH` with an optional `-suffix`.
///
/// The reference accepts any non-space suffix; ours is limited to the
/// characters semver allows (`[0-9A-Za-z.+-]`), because the version becomes
/// a directory name and a URL path segment and must not carry `/`.
pub fn is_exact_version(text: &str) -> bool {
    if text.is_empty() || text.len() > MAX_VERSION_LEN {
        return false;
    }
    let (core, suffix) = match text.split_once('-') {
        Some((core, suffix)) => (core, Some(suffix)),
        None => (text, None),
    };
    let mut parts = 0;
    for part in core.split('.') {
        parts += 1;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    if parts != 3 {
        return false;
    }
    match suffix {
        None => true,
        Some(s) => {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        }
    }
}

/// Orders exact versions numerically by `MAJOR.MINOR.PATCH`, then a release
/// after its pre-releases, then by the suffix text. Only for listing.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn key(v: &str) -> (Vec<u64>, Option<&str>) {
        let (core, suffix) = match v.split_once('-') {
            Some((core, suffix)) => (core, Some(suffix)),
            None => (v, None),
        };
        let numbers = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        (numbers, suffix)
    }
    let (na, sa) = key(a);
    let (nb, sb) = key(b);
    na.cmp(&nb).then_with(|| match (sa, sb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    })
}

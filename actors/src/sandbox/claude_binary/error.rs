//! Everything that can go wrong getting a Claude Code binary, and which of
//! it is worth another attempt.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ClaudeBinaryError {
    #[error(
        "claude_version {given:?} is not valid: use \"latest\", \"stable\" or an exact version such as \"2.1.3\""
    )]
    InvalidVersion { given: String },

    #[error(
        "Claude Code is released for Linux on x86_64 and arm64 only, this host is {os}/{arch}; set claude_binary to a build for this host"
    )]
    UnsupportedPlatform { os: String, arch: String },

    #[error(
        "claude_binary {} does not exist; fix the path, or remove claude_binary to download claude_version",
        .path.display()
    )]
    LocalBinaryMissing { path: PathBuf },

    #[error("claude_binary {} is not a regular file; point it at the claude executable", .path.display())]
    LocalBinaryNotFile { path: PathBuf },

    #[error("claude_binary {} is not executable; run `chmod 755` on it", .path.display())]
    LocalBinaryNotExecutable { path: PathBuf },

    #[error("cannot inspect claude_binary {}: {source}; check its permissions", .path.display())]
    LocalBinaryUnreadable { path: PathBuf, source: io::Error },

    #[error("Claude Code download URL {url:?} is not usable: {reason}")]
    InvalidBaseUrl { url: String, reason: String },

    #[error("{url} answered HTTP {status}; {}", http_hint(*.status))]
    Http { url: String, status: u16 },

    #[error("{url} redirects badly ({reason}); check the Claude Code download URL")]
    Redirect { url: String, reason: String },

    #[error(
        "could not reach {url}: {reason}; check this host's network access to the release server"
    )]
    Transport { url: String, reason: String },

    #[error("{url} did not respond within {after:?}; check network access, or try again later")]
    Timeout { url: String, after: Duration },

    #[error("download of {url} broke off after {received} bytes: {reason}")]
    Interrupted {
        url: String,
        received: u64,
        reason: String,
    },

    #[error("{url} sent {received} bytes but the manifest says {expected}")]
    SizeMismatch {
        url: String,
        expected: u64,
        received: u64,
    },

    #[error("{url} sent more than {limit} bytes, more than the manifest allows")]
    Oversized { url: String, limit: u64 },

    #[error(
        "{url} has SHA-256 {actual} but the manifest says {expected}; the download is damaged or was tampered with"
    )]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },

    #[error("the manifest of Claude Code {version} is not usable: {reason}")]
    BadManifest { version: String, reason: String },

    #[error(
        "the Claude Code release channel `{channel}` did not answer with a version (got {body:?})"
    )]
    BadChannelBody { channel: String, body: String },

    #[error(
        "Claude Code {version} has no build for {platform}; pin claude_version to a release that has one, or set claude_binary"
    )]
    PlatformMissing { version: String, platform: String },

    #[error(
        "could not {action} {}: {source}; free disk space or make the Claude Code cache directory writable",
        .path.display()
    )]
    Storage {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("{what} failed {attempts} times, giving up: {last}")]
    GaveUp {
        what: String,
        attempts: u32,
        last: Box<ClaudeBinaryError>,
    },

    #[error(
        "could not learn the current Claude Code `{channel}` version from {base_url}, and no earlier answer is cached: {source}. Check this host's access to {base_url}, or pin claude_version to an exact version such as 2.1.3"
    )]
    ResolveFailed {
        channel: String,
        base_url: String,
        source: Box<ClaudeBinaryError>,
    },

    #[error("internal error in the Claude Code cache: {0}")]
    Internal(String),
}

impl ClaudeBinaryError {
    /// Whether another attempt may succeed: transport failures, damaged or
    /// short downloads and server-side (5xx, 408, 429) answers. Client
    /// errors, a missing platform and local storage trouble are permanent.
    pub fn is_retryable(&self) -> bool {
        use ClaudeBinaryError as E;
        match self {
            E::Http { status, .. } => is_retryable_status(*status),
            E::Transport { .. }
            | E::Timeout { .. }
            | E::Interrupted { .. }
            | E::SizeMismatch { .. }
            | E::Oversized { .. }
            | E::ChecksumMismatch { .. }
            | E::BadManifest { .. }
            | E::BadChannelBody { .. } => true,
            E::InvalidVersion { .. }
            | E::UnsupportedPlatform { .. }
            | E::LocalBinaryMissing { .. }
            | E::LocalBinaryNotFile { .. }
            | E::LocalBinaryNotExecutable { .. }
            | E::LocalBinaryUnreadable { .. }
            | E::InvalidBaseUrl { .. }
            | E::Redirect { .. }
            | E::PlatformMissing { .. }
            | E::Storage { .. }
            | E::GaveUp { .. }
            | E::ResolveFailed { .. }
            | E::Internal(_) => false,
        }
    }

    pub(super) fn storage(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: io::Error,
    ) -> Self {
        ClaudeBinaryError::Storage {
            action,
            path: path.into(),
            source,
        }
    }
}

/// 5xx, 408 (request timeout) and 429 (rate limited) are worth retrying;
/// every other status is an answer.
pub fn is_retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

fn http_hint(status: u16) -> &'static str {
    match status {
        404 => "that release does not exist, check claude_version",
        401 | 403 => "the release server refused access; check any proxy between this host and it",
        408 | 429 => "the release server is busy; try again later",
        s if s >= 500 => "the release server has a problem; try again later",
        _ => "check the Claude Code download URL",
    }
}

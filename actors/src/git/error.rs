use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// Everything that can go wrong talking to git. Every message that can carry
/// a URL or git's own output has been through `redact` already, so an error
/// may be logged or shown to a user as it is.
#[derive(Debug, Error)]
pub enum GitError {
    #[error("cannot run git ({action}): {source}; is git installed and on PATH?")]
    Spawn {
        action: String,
        #[source]
        source: std::io::Error,
    },
    #[error("git {action} failed (exit {code}): {stderr}")]
    Failed {
        action: String,
        code: String,
        stderr: String,
    },
    #[error("git {action} did not finish within {timeout:?} and was killed")]
    TimedOut { action: String, timeout: Duration },
    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} exists but is not a bare git mirror; remove it so Airut can clone afresh")]
    NotAMirror { path: PathBuf },
    #[error("mirror at {path} has not been cloned yet (call ensure first)")]
    MirrorMissing { path: PathBuf },
    #[error("mirror at {path} has no default branch: HEAD does not name an existing branch")]
    NoDefaultBranch { path: PathBuf },
    #[error("{dir} does not exist on branch {branch}")]
    DirNotFound { dir: String, branch: String },
    #[error(
        "{dir} on branch {branch} may only hold plain files, but has: {}; \
         move them out or flatten the directory",
        entries.join(", ")
    )]
    UnsupportedEntries {
        dir: String,
        branch: String,
        entries: Vec<String>,
    },
    #[error("{path} on branch {branch} is a {kind}, not a file")]
    NotAFile {
        path: String,
        branch: String,
        kind: String,
    },
    #[error("invalid repository path {path:?}: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error(
        "refreshing the git mirror failed ({failures} in a row; next attempt in {retry_in:?}); \
         the existing mirror is still usable: {source}"
    )]
    RefreshFailed {
        failures: u32,
        retry_in: Duration,
        #[source]
        source: Box<GitError>,
    },
    #[error("unexpected output from git {action}: {detail}")]
    Protocol { action: String, detail: String },
}

//! Git for the gateway: one bare mirror per repository, and per-conversation
//! workspaces cloned from it locally. Everything goes through the `git` CLI
//! with prompts disabled and a deadline on every call. See `spec/git.md`.

mod batch;
mod command;
mod error;
mod fs;
mod mirror;
mod redact;
mod tree;
mod workspace;

#[cfg(test)]
mod test_repo;

pub use error::GitError;
pub use mirror::{GitMirror, MirrorPolicy, RefreshOutcome};
pub use redact::{redact_text, redact_url};
pub use workspace::{WorkspaceOutcome, create_workspace};

//! A conversation's workspace: a self-contained clone made from the mirror
//! without touching the network.

use std::path::Path;

use super::command::GitCall;
use super::error::GitError;
use super::fs::{remove_stale_temps, temp_sibling};
use super::mirror::GitMirror;
use super::redact::redact_url;

/// Whether `create_workspace` made a new clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceOutcome {
    Created,
    /// The directory existed (a resumed conversation) and was left as it
    /// is, with whatever the agent committed or left uncommitted.
    AlreadyExists,
}

/// Clones `mirror` into `workspace_dir` on the default branch and points
/// `origin` at `repo_url`, so the agent pulls and pushes against the real
/// remote. An existing `workspace_dir` is left alone.
///
/// The clone copies objects (`--no-hardlinks`) instead of linking them. Git
/// never rewrites an object file, so links would be safe against git, but
/// not against the agent: the workspace is mounted writable into its
/// container, and writing through a link into a pack would change the
/// mirror, whose default branch defines the sandbox and its allowlist.
/// Alternates (`--shared`, `--reference`) are out for a second reason: they
/// point outside the container's mount.
///
/// The remote-tracking refs come from the mirror as of its last refresh; no
/// fetch from the real remote happens here, so an outage cannot stop a
/// conversation from starting.
pub async fn create_workspace(
    mirror: &GitMirror,
    workspace_dir: &Path,
    repo_url: &str,
) -> Result<WorkspaceOutcome, GitError> {
    if workspace_dir.exists() {
        return Ok(WorkspaceOutcome::AlreadyExists);
    }
    // Shared: a refresh (and its auto gc) must not repack the mirror while
    // its objects are being copied.
    let _guard = mirror.read_guard().await;
    let branch = mirror.default_branch().await?;
    let temp = temp_sibling(workspace_dir)?;
    remove_stale_temps(workspace_dir).await;
    let timeout = mirror.policy().local_timeout;
    // Absolute, so a relative path with a `:` cannot be read as an
    // scp-style `host:path` remote.
    let source = std::path::absolute(mirror.path()).map_err(|source| GitError::Io {
        action: format!("resolving {}", mirror.path().display()),
        source,
    })?;
    let result = async {
        GitCall::new("clone from mirror", timeout)
            .args(&["clone", "--no-hardlinks", "--quiet", "--branch"])
            .arg(branch.as_str())
            .arg("--")
            .arg(&source)
            .arg(&temp)
            .run()
            .await?;
        GitCall::new("remote set-url", timeout)
            .git_dir(&temp.join(".git"))
            .args(&["remote", "set-url", "origin"])
            .arg(repo_url)
            .run()
            .await?;
        tokio::fs::rename(&temp, workspace_dir)
            .await
            .map_err(|source| GitError::Io {
                action: format!("moving new workspace into {}", workspace_dir.display()),
                source,
            })
    }
    .await;
    if let Err(err) = result {
        // Best effort: a later create for this path sweeps leftovers too.
        let _ = tokio::fs::remove_dir_all(&temp).await;
        // Lost a race with another create for the same conversation: the
        // winner's workspace is as good as ours would have been.
        if workspace_dir.exists() {
            return Ok(WorkspaceOutcome::AlreadyExists);
        }
        return Err(err);
    }
    tracing::info!(
        workspace = %workspace_dir.display(),
        branch = %branch,
        origin = %redact_url(repo_url),
        "created workspace from mirror"
    );
    Ok(WorkspaceOutcome::Created)
}

#[cfg(test)]
#[path = "workspace_tests.rs"]
mod tests;

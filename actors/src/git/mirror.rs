//! The per-repository bare mirror: cloned once, refreshed at most every
//! `min_fetch_interval`, backed off after failures, and the only source of
//! the sandbox definition (`.airut/…` on the default branch).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::{RwLock, RwLockReadGuard};

use super::command::GitCall;
use super::error::GitError;
use super::fs::{remove_stale_temps, temp_sibling};
use super::redact::redact_url;

/// How often and how patiently a mirror talks to its remote.
#[derive(Debug, Clone)]
pub struct MirrorPolicy {
    /// A refresh within this long of the last successful fetch is a no-op,
    /// so a burst of tasks costs one fetch, not one each.
    pub min_fetch_interval: Duration,
    /// Wait after the first failed fetch; doubled per further failure.
    pub initial_backoff: Duration,
    /// Upper bound for the doubling.
    pub max_backoff: Duration,
    /// Deadline for commands that use the network (clone, fetch).
    pub network_timeout: Duration,
    /// Deadline for commands that only read or copy local data.
    pub local_timeout: Duration,
}

impl Default for MirrorPolicy {
    fn default() -> Self {
        Self {
            min_fetch_interval: Duration::from_secs(60),
            initial_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(30 * 60),
            network_timeout: Duration::from_secs(10 * 60),
            local_timeout: Duration::from_secs(2 * 60),
        }
    }
}

/// What a successful `refresh` call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Fetched from the remote.
    Fetched,
    /// Skipped: the last fetch is younger than `min_fetch_interval`.
    Fresh { age: Duration },
    /// Skipped: earlier fetches failed and the backoff has not run out. The
    /// mirror is usable but may be stale.
    BackingOff { retry_in: Duration, failures: u32 },
}

/// Bookkeeping guarded by the mirror's lock.
#[derive(Debug, Default)]
pub(super) struct FetchState {
    last_fetch: Option<Instant>,
    failures: u32,
    retry_at: Option<Instant>,
}

/// A bare `git clone --mirror` of one repository.
///
/// The lock is exclusive for clone and fetch and shared for workspace
/// clones, because a fetch may run `gc --auto`, which repacks and deletes
/// object files a concurrent local clone could be copying. Reads of single
/// files need no lock: git readers already cope with a concurrent repack.
#[derive(Debug)]
pub struct GitMirror {
    path: PathBuf,
    policy: MirrorPolicy,
    state: RwLock<FetchState>,
}

impl GitMirror {
    /// A handle on the mirror at `path` (usually
    /// `<state>/<repo_id>/git-mirror`); nothing touches disk until `ensure`.
    pub fn new(path: impl Into<PathBuf>, policy: MirrorPolicy) -> Self {
        Self {
            path: path.into(),
            policy,
            state: RwLock::new(FetchState::default()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn policy(&self) -> &MirrorPolicy {
        &self.policy
    }

    /// Clones the mirror when it does not exist yet; otherwise checks it is
    /// a bare repository and points its `origin` at `repo_url` (the URL may
    /// have changed in the config since the clone).
    ///
    /// The clone goes to a temporary sibling that is renamed into place, so
    /// a crash or timeout never leaves a half mirror that later reads would
    /// trust.
    pub async fn ensure(&self, repo_url: &str) -> Result<(), GitError> {
        let mut state = self.state.write().await;
        if self.path.exists() {
            self.check_bare().await?;
            self.sync_origin_url(repo_url).await?;
            return Ok(());
        }
        let temp = temp_sibling(&self.path)?;
        remove_stale_temps(&self.path).await;
        tracing::info!(
            mirror = %self.path.display(),
            url = %redact_url(repo_url),
            "cloning git mirror"
        );
        let cloned = GitCall::new("clone --mirror", self.policy.network_timeout)
            .args(&["clone", "--mirror", "--quiet", "--"])
            .arg(repo_url)
            .arg(&temp)
            .run()
            .await;
        if let Err(err) = cloned {
            // Best effort: the next ensure also sweeps stale temps.
            let _ = tokio::fs::remove_dir_all(&temp).await;
            return Err(err);
        }
        tokio::fs::rename(&temp, &self.path)
            .await
            .map_err(|source| GitError::Io {
                action: format!("moving new mirror into {}", self.path.display()),
                source,
            })?;
        state.last_fetch = Some(Instant::now());
        state.failures = 0;
        state.retry_at = None;
        Ok(())
    }

    /// Fetches from the remote unless the last fetch is recent or a backoff
    /// is running. One refresh runs at a time; a caller arriving while one
    /// is in flight waits for it and then finds the mirror fresh.
    ///
    /// On failure the mirror keeps its previous contents and stays usable:
    /// callers resuming a conversation should log the error and go on.
    pub async fn refresh(&self) -> Result<RefreshOutcome, GitError> {
        let mut state = self.state.write().await;
        if !self.path.exists() {
            return Err(GitError::MirrorMissing {
                path: self.path.clone(),
            });
        }
        let now = Instant::now();
        if let Some(retry_at) = state.retry_at.filter(|at| *at > now) {
            return Ok(RefreshOutcome::BackingOff {
                retry_in: retry_at - now,
                failures: state.failures,
            });
        }
        if let Some(last) = state.last_fetch {
            let age = now.saturating_duration_since(last);
            if age < self.policy.min_fetch_interval {
                return Ok(RefreshOutcome::Fresh { age });
            }
        }
        match self.fetch().await {
            Ok(()) => {
                state.last_fetch = Some(Instant::now());
                state.failures = 0;
                state.retry_at = None;
                Ok(RefreshOutcome::Fetched)
            }
            Err(source) => {
                state.failures = state.failures.saturating_add(1);
                let retry_in = self.backoff(state.failures);
                state.retry_at = Some(Instant::now() + retry_in);
                tracing::warn!(
                    mirror = %self.path.display(),
                    failures = state.failures,
                    retry_in_secs = retry_in.as_secs(),
                    error = %source,
                    "git mirror refresh failed; using the existing mirror"
                );
                Err(GitError::RefreshFailed {
                    failures: state.failures,
                    retry_in,
                    source: Box::new(source),
                })
            }
        }
    }

    /// Shared access for operations that copy the object store.
    pub(super) async fn read_guard(&self) -> RwLockReadGuard<'_, FetchState> {
        self.state.read().await
    }

    fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.policy
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.policy.max_backoff)
    }

    async fn fetch(&self) -> Result<(), GitError> {
        // `gc.autoDetach=false`: an auto gc must finish while the exclusive
        // lock is held, not repack behind the back of a workspace clone.
        GitCall::new("fetch --prune", self.policy.network_timeout)
            .args(&["-c", "gc.autoDetach=false"])
            .git_dir(&self.path)
            .args(&["fetch", "--prune", "--quiet", "origin"])
            .run()
            .await?;
        if let Err(err) = self.follow_remote_head().await {
            // The fetched refs are good; a stale HEAD only matters when the
            // remote changed its default branch, so this does not fail the
            // refresh.
            tracing::warn!(
                mirror = %self.path.display(),
                error = %err,
                "could not check the remote's default branch"
            );
        }
        Ok(())
    }

    /// A mirror's HEAD is set once at clone time and `fetch` never moves
    /// it; ask the remote so a renamed default branch is picked up.
    async fn follow_remote_head(&self) -> Result<(), GitError> {
        let out = GitCall::new("ls-remote --symref", self.policy.network_timeout)
            .git_dir(&self.path)
            .args(&["ls-remote", "--symref", "origin", "HEAD"])
            .run()
            .await?;
        let text = String::from_utf8_lossy(&out);
        let Some(remote_head) = text.lines().find_map(|line| {
            line.strip_prefix("ref: ")?
                .strip_suffix("\tHEAD")
                .map(str::to_owned)
        }) else {
            return Ok(());
        };
        if !remote_head.starts_with("refs/heads/") {
            return Ok(());
        }
        let current = GitCall::new("symbolic-ref HEAD", self.policy.local_timeout)
            .git_dir(&self.path)
            .args(&["symbolic-ref", "--quiet", "HEAD"])
            .run_raw()
            .await?;
        if String::from_utf8_lossy(&current.stdout).trim() == remote_head {
            return Ok(());
        }
        tracing::info!(mirror = %self.path.display(), head = %remote_head, "remote default branch changed");
        GitCall::new("symbolic-ref HEAD", self.policy.local_timeout)
            .git_dir(&self.path)
            .args(&["symbolic-ref", "HEAD"])
            .arg(remote_head.as_str())
            .run()
            .await?;
        Ok(())
    }

    async fn check_bare(&self) -> Result<(), GitError> {
        let out = GitCall::new("rev-parse --is-bare-repository", self.policy.local_timeout)
            .git_dir(&self.path)
            .args(&["rev-parse", "--is-bare-repository"])
            .run_raw()
            .await?;
        if out.success && String::from_utf8_lossy(&out.stdout).trim() == "true" {
            Ok(())
        } else {
            Err(GitError::NotAMirror {
                path: self.path.clone(),
            })
        }
    }

    async fn sync_origin_url(&self, repo_url: &str) -> Result<(), GitError> {
        let out = GitCall::new("config remote.origin.url", self.policy.local_timeout)
            .git_dir(&self.path)
            .args(&["config", "--get", "remote.origin.url"])
            .run_raw()
            .await?;
        if out.success && String::from_utf8_lossy(&out.stdout).trim_end() == repo_url {
            return Ok(());
        }
        tracing::info!(
            mirror = %self.path.display(),
            url = %redact_url(repo_url),
            "pointing git mirror at the configured URL"
        );
        GitCall::new("remote set-url", self.policy.local_timeout)
            .git_dir(&self.path)
            .args(&["remote", "set-url", "origin"])
            .arg(repo_url)
            .run()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "mirror_tests.rs"]
mod tests;

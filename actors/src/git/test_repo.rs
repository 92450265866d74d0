//! Real git repositories for tests: a bare "upstream" in a temp dir, fed
//! through a scratch working clone, reached by a `file://` URL so the
//! mirror talks to it over a real transport.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use super::mirror::MirrorPolicy;

pub(super) struct Upstream {
    pub root: TempDir,
    pub bare: PathBuf,
    work: PathBuf,
}

impl Upstream {
    /// A bare repository whose HEAD names `default_branch`, with one commit
    /// on that branch holding `files`.
    pub fn new(default_branch: &str, files: &[(&str, &str)]) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        let bare = root.path().join("upstream.git");
        let work = root.path().join("scratch");
        git(
            root.path(),
            &[
                "init",
                "--quiet",
                "--bare",
                "-b",
                default_branch,
                path_str(&bare),
            ],
        );
        git(
            root.path(),
            &["init", "--quiet", "-b", default_branch, path_str(&work)],
        );
        git(&work, &["remote", "add", "origin", path_str(&bare)]);
        let upstream = Self { root, bare, work };
        upstream.commit(default_branch, files, &[]);
        upstream
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// Commits `files` (written) and `removed` (deleted) on `branch`,
    /// creating it from the current commit if new, and pushes it.
    pub fn commit(&self, branch: &str, files: &[(&str, &str)], removed: &[&str]) {
        git(&self.work, &["checkout", "--quiet", "-B", branch]);
        for (path, content) in files {
            let full = self.work.join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, content).expect("write");
        }
        for path in removed {
            git(&self.work, &["rm", "-r", "--quiet", path]);
        }
        git(&self.work, &["add", "-A"]);
        git(
            &self.work,
            &["commit", "--quiet", "--allow-empty", "-m", "change"],
        );
        git(
            &self.work,
            &["push", "--quiet", "--force", "origin", branch],
        );
    }

    /// Points the upstream's HEAD at another branch, as a host does when
    /// the default branch is renamed.
    pub fn set_default_branch(&self, branch: &str) {
        let head = format!("refs/heads/{branch}");
        git(&self.bare, &["symbolic-ref", "HEAD", &head]);
    }
}

/// A policy with the given fetch interval and backoff and generous
/// deadlines (tests run on busy machines).
pub(super) fn policy(min_fetch_interval: Duration, initial_backoff: Duration) -> MirrorPolicy {
    MirrorPolicy {
        min_fetch_interval,
        initial_backoff,
        max_backoff: initial_backoff * 8,
        network_timeout: Duration::from_secs(60),
        local_timeout: Duration::from_secs(60),
    }
}

/// Runs git for test setup, isolated from the host's config so identity,
/// signing and hooks cannot break it; returns trimmed stdout.
pub(super) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub(super) fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

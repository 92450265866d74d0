//! Reads from the mirror's default branch. The sandbox definition comes
//! from here and never from a conversation's workspace, so an agent cannot
//! widen its own sandbox; a change takes effect once merged.

use std::collections::BTreeMap;

use super::batch::{BatchEntry, parse_batch};
use super::command::GitCall;
use super::error::GitError;
use super::mirror::GitMirror;

impl GitMirror {
    /// The branch the mirror's HEAD names (`main`, `master`, …), checked to
    /// exist.
    pub async fn default_branch(&self) -> Result<String, GitError> {
        self.require_present()?;
        let timeout = self.policy().local_timeout;
        let out = GitCall::new("symbolic-ref HEAD", timeout)
            .git_dir(self.path())
            .args(&["symbolic-ref", "--quiet", "HEAD"])
            .run_raw()
            .await?;
        let head = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let no_branch = || GitError::NoDefaultBranch {
            path: self.path().to_path_buf(),
        };
        let branch = head
            .strip_prefix("refs/heads/")
            .filter(|b| out.success && !b.is_empty())
            .ok_or_else(no_branch)?
            .to_owned();
        let exists = GitCall::new("rev-parse --verify", timeout)
            .git_dir(self.path())
            .args(&["rev-parse", "--verify", "--quiet"])
            .arg(format!("refs/heads/{branch}^{{commit}}").as_str())
            .run_raw()
            .await?;
        if exists.success {
            Ok(branch)
        } else {
            Err(no_branch())
        }
    }

    /// The plain files directly under `dir` (e.g. `.airut/container`) on
    /// the default branch, by name. Subdirectories, symlinks and submodules
    /// are refused by name: the directory is a build context whose content
    /// hash must cover everything the build sees.
    pub async fn read_dir_at_default_branch(
        &self,
        dir: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, GitError> {
        let dir = normalise(dir)?;
        let branch = self.default_branch().await?;
        let spec = format!("refs/heads/{branch}:{dir}");
        let tree = match self.cat_one(&spec).await? {
            BatchEntry::Found { kind, oid, .. } if kind == "tree" => oid,
            BatchEntry::Found { .. } | BatchEntry::Missing => {
                return Err(GitError::DirNotFound { dir, branch });
            }
        };
        let listing = GitCall::new("ls-tree", self.policy().local_timeout)
            .git_dir(self.path())
            .args(&["ls-tree", "-z"])
            .arg(tree.as_str())
            .run()
            .await?;
        let mut blobs = Vec::new();
        let mut refused = Vec::new();
        for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let (mode, oid, name) = parse_ls_tree(record)?;
            match mode {
                "100644" | "100755" => blobs.push((name, oid)),
                "040000" => refused.push(format!("{name}/ (directory)")),
                "120000" => refused.push(format!("{name} (symlink)")),
                "160000" => refused.push(format!("{name} (submodule)")),
                other => refused.push(format!("{name} (mode {other})")),
            }
        }
        if !refused.is_empty() {
            return Err(GitError::UnsupportedEntries {
                dir,
                branch,
                entries: refused,
            });
        }
        let input: String = blobs.iter().map(|(_, oid)| format!("{oid}\n")).collect();
        let entries = self.cat_batch(input.as_bytes()).await?;
        if entries.len() != blobs.len() {
            return Err(protocol(
                "cat-file --batch",
                "answer count differs from request",
            ));
        }
        let mut files = BTreeMap::new();
        for ((name, _), entry) in blobs.into_iter().zip(entries) {
            match entry {
                BatchEntry::Found { content, .. } => {
                    files.insert(name, content);
                }
                BatchEntry::Missing => {
                    return Err(protocol("cat-file --batch", "listed blob is missing"));
                }
            }
        }
        Ok(files)
    }

    /// The file at `path` (e.g. `.airut/network-allowlist.yaml`) on the
    /// default branch, or `None` when the branch has no such path.
    pub async fn read_file_at_default_branch(
        &self,
        path: &str,
    ) -> Result<Option<Vec<u8>>, GitError> {
        let path = normalise(path)?;
        let branch = self.default_branch().await?;
        match self.cat_one(&format!("refs/heads/{branch}:{path}")).await? {
            BatchEntry::Missing => Ok(None),
            BatchEntry::Found { kind, content, .. } if kind == "blob" => Ok(Some(content)),
            BatchEntry::Found { kind, .. } => Err(GitError::NotAFile { path, branch, kind }),
        }
    }

    pub(super) fn require_present(&self) -> Result<(), GitError> {
        if self.path().exists() {
            Ok(())
        } else {
            Err(GitError::MirrorMissing {
                path: self.path().to_path_buf(),
            })
        }
    }

    async fn cat_one(&self, spec: &str) -> Result<BatchEntry, GitError> {
        let mut entries = self.cat_batch(format!("{spec}\n").as_bytes()).await?;
        match (entries.pop(), entries.is_empty()) {
            (Some(entry), true) => Ok(entry),
            _ => Err(protocol("cat-file --batch", "expected exactly one answer")),
        }
    }

    async fn cat_batch(&self, input: &[u8]) -> Result<Vec<BatchEntry>, GitError> {
        let out = GitCall::new("cat-file --batch", self.policy().local_timeout)
            .git_dir(self.path())
            .args(&["cat-file", "--batch"])
            .stdin(input)
            .run()
            .await?;
        parse_batch(&out).map_err(|detail| protocol("cat-file --batch", detail))
    }
}

/// A repository-relative path in the form git's `<rev>:<path>` syntax and
/// the batch protocol (one request per line) can carry.
fn normalise(path: &str) -> Result<String, GitError> {
    let invalid = |reason| GitError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(invalid("empty"));
    }
    if trimmed.starts_with('/') {
        return Err(invalid("must be relative to the repository root"));
    }
    if trimmed.contains(['\n', '\r', '\0']) {
        return Err(invalid("contains a line break or NUL"));
    }
    if trimmed
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(invalid("contains an empty, `.` or `..` component"));
    }
    Ok(trimmed.to_owned())
}

/// One `ls-tree -z` record: `<mode> SP <type> SP <oid> TAB <name>`.
fn parse_ls_tree(record: &[u8]) -> Result<(&str, String, String), GitError> {
    let text =
        std::str::from_utf8(record).map_err(|_| protocol("ls-tree", "file name is not UTF-8"))?;
    let (meta, name) = text
        .split_once('\t')
        .ok_or_else(|| protocol("ls-tree", "record without a tab"))?;
    let mut fields = meta.split(' ');
    match (fields.next(), fields.next(), fields.next()) {
        (Some(mode), Some(_kind), Some(oid)) => Ok((mode, oid.to_owned(), name.to_owned())),
        _ => Err(protocol("ls-tree", "record with fewer than three fields")),
    }
}

fn protocol(action: &str, detail: &str) -> GitError {
    GitError::Protocol {
        action: action.to_owned(),
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;

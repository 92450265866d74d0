//! Temporary siblings for clone-then-rename, so a target directory either
//! holds a complete repository or does not exist.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::GitError;

/// Distinguishes temps made by this process; with the pid it makes names
/// unique without a random source.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `.<name>.tmp-<pid>-<n>` beside `target`: same directory, hence same
/// filesystem, so the final `rename` is atomic. Creates the parent.
pub(super) fn temp_sibling(target: &Path) -> Result<PathBuf, GitError> {
    let (parent, name) = split(target)?;
    std::fs::create_dir_all(parent).map_err(|source| GitError::Io {
        action: format!("creating {}", parent.display()),
        source,
    })?;
    let mut temp = temp_prefix(&name);
    temp.push(format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(parent.join(temp))
}

/// Removes temps for `target` left by a crashed or killed earlier process.
/// Temps of this process are kept: they may belong to a clone in flight.
pub(super) async fn remove_stale_temps(target: &Path) {
    let Ok((parent, name)) = split(target) else {
        return;
    };
    let prefix = temp_prefix(&name).to_string_lossy().into_owned();
    let ours = format!("{prefix}{}-", std::process::id());
    let Ok(mut entries) = tokio::fs::read_dir(parent).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&prefix) && !file_name.starts_with(&ours) {
            tracing::info!(path = %entry.path().display(), "removing unfinished clone");
            if let Err(err) = tokio::fs::remove_dir_all(entry.path()).await {
                tracing::warn!(path = %entry.path().display(), error = %err, "cannot remove unfinished clone");
            }
        }
    }
}

fn temp_prefix(name: &OsString) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".tmp-");
    prefix
}

fn split(target: &Path) -> Result<(&Path, OsString), GitError> {
    match (target.parent(), target.file_name()) {
        (Some(parent), Some(name)) => Ok((parent, name.to_owned())),
        _ => Err(GitError::InvalidPath {
            path: target.display().to_string(),
            reason: "needs a parent directory and a final name",
        }),
    }
}

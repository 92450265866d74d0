//! Collecting a task's `/outbox`: the regular files directly in it move to
//! `<conversation>/delivered/<task_id>/`, so the next task starts with an
//! empty outbox and the channel delivers from a place no agent writes to.

use std::path::{Path, PathBuf};

use tracing::warn;

/// Where the files of `task_id` are moved.
pub fn delivered_dir(conversation_root: &Path, task_id: &str) -> PathBuf {
    conversation_root.join("delivered").join(task_id)
}

/// Moves the regular files directly in `outbox` into `target` and returns
/// their new paths, sorted by name. Symlinks are removed (the link only:
/// it would resolve on the host) with a warning; directories stay.
pub fn collect(outbox: &Path, target: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(outbox) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            warn!(path = %entry.path().display(), "outbox symlink skipped and removed");
            if let Err(err) = std::fs::remove_file(entry.path()) {
                warn!(path = %entry.path().display(), "removing outbox symlink: {err}");
            }
        } else if kind.is_file() {
            files.push(entry.file_name());
        }
    }
    files.sort();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(target)?;
    let mut moved = Vec::with_capacity(files.len());
    for name in files {
        let to = target.join(&name);
        std::fs::rename(outbox.join(&name), &to)?;
        moved.push(to);
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_regular_files_and_drops_symlinks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = dir.path().join("outbox");
        std::fs::create_dir_all(outbox.join("sub")).expect("mkdir");
        std::fs::write(outbox.join("b.txt"), "b").expect("write");
        std::fs::write(outbox.join("a.txt"), "a").expect("write");
        std::os::unix::fs::symlink("/etc/passwd", outbox.join("link")).expect("symlink");
        let target = delivered_dir(dir.path(), "t1");
        let moved = collect(&outbox, &target).expect("collect");
        assert_eq!(moved, vec![target.join("a.txt"), target.join("b.txt")]);
        assert_eq!(std::fs::read_to_string(&moved[1]).expect("read"), "b");
        let left: Vec<_> = std::fs::read_dir(&outbox)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("sub")]);
    }

    #[test]
    fn missing_or_empty_outbox_gives_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("delivered");
        assert!(
            collect(&dir.path().join("none"), &target)
                .expect("ok")
                .is_empty()
        );
        assert!(!target.exists());
    }
}

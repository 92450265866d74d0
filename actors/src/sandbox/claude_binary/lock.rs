//! One holder per version at a time: an async mutex inside the process and
//! an `flock` on `<cache>/.locks/<version>.lock` between processes (the
//! gateway and the CLI share the cache).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::OwnedMutexGuard;

use super::error::ClaudeBinaryError;
use super::layout::LOCK_DIR;

type Table = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

#[derive(Default)]
pub struct VersionLocks {
    table: Table,
}

impl VersionLocks {
    /// Waits until this task holds `version` in this process and across
    /// processes.
    pub async fn lock(
        &self,
        cache_dir: &Path,
        version: &str,
    ) -> Result<VersionGuard, ClaudeBinaryError> {
        let mutex = Arc::clone(
            lock_table(&self.table)
                .entry(version.to_owned())
                .or_default(),
        );
        let mut guard = VersionGuard {
            version: version.to_owned(),
            table: Arc::clone(&self.table),
            lock_path: cache_dir.join(LOCK_DIR).join(format!("{version}.lock")),
            file: None,
            _held: mutex.lock_owned().await,
        };
        let path = guard.lock_path.clone();
        let file = tokio::task::spawn_blocking(move || lock_file(&path))
            .await
            .map_err(|e| ClaudeBinaryError::Internal(format!("lock task: {e}")))?
            .map_err(|e| ClaudeBinaryError::storage("lock", &guard.lock_path, e))?;
        guard.file = Some(file);
        Ok(guard)
    }

    /// Versions with a live in-process lock entry (for tests).
    #[cfg(test)]
    pub fn live_entries(&self) -> usize {
        lock_table(&self.table).len()
    }
}

/// Held while a version is downloaded, checked or removed. Dropping it
/// releases both locks and forgets the in-process entry if nobody waits.
pub struct VersionGuard {
    version: String,
    table: Table,
    lock_path: PathBuf,
    file: Option<File>,
    _held: OwnedMutexGuard<()>,
}

impl VersionGuard {
    /// Deletes the lock file (prune, after removing the version). Another
    /// process that was waiting on it notices and locks a fresh file.
    pub fn remove_lock_file(&self) {
        let _ = fs::remove_file(&self.lock_path);
    }
}

impl Drop for VersionGuard {
    fn drop(&mut self) {
        let mut table = lock_table(&self.table);
        // The table's reference and ours: nobody else is waiting.
        if table
            .get(&self.version)
            .is_some_and(|m| Arc::strong_count(m) <= 2)
        {
            table.remove(&self.version);
        }
    }
}

fn lock_table(table: &Table) -> MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens and `flock`s `path`. If the file was deleted or replaced while we
/// waited (a prune elsewhere), the lock is on a dead inode: try again.
fn lock_file(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        file.lock()?;
        let held = file.metadata()?;
        match fs::metadata(path) {
            Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => return Ok(file),
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
}

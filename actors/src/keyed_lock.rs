//! One holder per key at a time: an async mutex inside the process and an
//! `flock` on `<dir>/<key>.lock` between processes (the gateway and
//! `airut sandbox run` share caches: Claude Code versions, image tags).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::OwnedMutexGuard;

type Table = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

pub struct KeyedLocks {
    dir: PathBuf,
    table: Table,
}

impl KeyedLocks {
    /// Lock files live in `dir` (created on first use).
    pub fn new(dir: impl Into<PathBuf>) -> KeyedLocks {
        KeyedLocks {
            dir: dir.into(),
            table: Table::default(),
        }
    }

    /// Waits until this task holds `key` in this process and across
    /// processes.
    pub async fn lock(&self, key: &str) -> io::Result<KeyedGuard> {
        let mutex = Arc::clone(lock_table(&self.table).entry(key.to_owned()).or_default());
        let mut guard = KeyedGuard {
            key: key.to_owned(),
            table: Arc::clone(&self.table),
            lock_path: self.dir.join(format!("{}.lock", file_stem(key))),
            file: None,
            _held: mutex.lock_owned().await,
        };
        let path = guard.lock_path.clone();
        let file = tokio::task::spawn_blocking(move || lock_file(&path))
            .await
            .map_err(io::Error::other)??;
        guard.file = Some(file);
        Ok(guard)
    }

    /// Keys with a live in-process lock entry (for tests).
    pub fn live_entries(&self) -> usize {
        lock_table(&self.table).len()
    }
}

/// Held while a keyed resource is built, downloaded or removed. Dropping it
/// releases both locks and forgets the in-process entry if nobody waits.
pub struct KeyedGuard {
    key: String,
    table: Table,
    lock_path: PathBuf,
    file: Option<File>,
    _held: OwnedMutexGuard<()>,
}

impl KeyedGuard {
    /// Deletes the lock file (after removing the resource). Another process
    /// that was waiting on it notices and locks a fresh file.
    pub fn remove_lock_file(&self) {
        let _ = fs::remove_file(&self.lock_path);
    }
}

impl Drop for KeyedGuard {
    fn drop(&mut self) {
        let mut table = lock_table(&self.table);
        // The table's reference and ours: nobody else is waiting.
        if table
            .get(&self.key)
            .is_some_and(|m| Arc::strong_count(m) <= 2)
        {
            table.remove(&self.key);
        }
    }
}

fn lock_table(table: &Table) -> MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keys such as image tags (`airut-repo:abc`) become safe file names.
fn file_stem(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
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

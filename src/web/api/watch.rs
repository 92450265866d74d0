//! Wakes WebSocket sessions when a followed file changes, without
//! polling: one process-wide `notify` watcher (inotify on Linux) on the
//! directories of followed files, and a [`Notify`] per session to wake.
//!
//! Locking: `WATCHER` is held around `watch`/`unwatch` (which wait for the
//! watcher's thread); the watcher's callback only takes `SUBSCRIBERS`, so
//! the two never wait on each other.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::Notify;

struct Subscriber {
    id: u64,
    file: PathBuf,
    wake: Arc<Notify>,
}

#[derive(Default)]
struct Subscribers {
    next_id: u64,
    by_dir: HashMap<PathBuf, Vec<Subscriber>>,
}

static SUBSCRIBERS: OnceLock<Mutex<Subscribers>> = OnceLock::new();
static WATCHER: OnceLock<Mutex<Option<RecommendedWatcher>>> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn subscribers() -> MutexGuard<'static, Subscribers> {
    lock(SUBSCRIBERS.get_or_init(Mutex::default))
}

fn on_event(result: notify::Result<notify::Event>) {
    let Ok(event) = result else {
        return;
    };
    if matches!(event.kind, EventKind::Access(_)) {
        return;
    }
    let subs = subscribers();
    for path in &event.paths {
        let Some(list) = path.parent().and_then(|dir| subs.by_dir.get(dir)) else {
            continue;
        };
        for sub in list.iter().filter(|s| &s.file == path) {
            // stores a permit when the session is busy: wakes coalesce,
            // none is lost
            sub.wake.notify_one();
        }
    }
}

/// Registration of one followed file; dropping it stops the follow.
pub struct FileWatch {
    id: u64,
    dir: PathBuf,
}

/// Wakes `wake` whenever `file` (in an existing directory) is created or
/// written.
pub fn watch_file(file: &Path, wake: Arc<Notify>) -> notify::Result<FileWatch> {
    let dir = file
        .parent()
        .ok_or_else(|| notify::Error::generic("a file without a directory"))?
        .to_path_buf();
    let mut watcher = lock(WATCHER.get_or_init(Mutex::default));
    if watcher.is_none() {
        *watcher = Some(notify::recommended_watcher(on_event)?);
    }
    let (id, first) = {
        let mut subs = subscribers();
        let id = subs.next_id;
        subs.next_id += 1;
        let list = subs.by_dir.entry(dir.clone()).or_default();
        list.push(Subscriber {
            id,
            file: file.to_path_buf(),
            wake,
        });
        (id, list.len() == 1)
    };
    let registration = FileWatch { id, dir };
    if first
        && let Some(w) = watcher.as_mut()
        && let Err(err) = w.watch(&registration.dir, RecursiveMode::NonRecursive)
    {
        drop(watcher);
        drop(registration);
        return Err(err);
    }
    Ok(registration)
}

impl Drop for FileWatch {
    fn drop(&mut self) {
        let mut watcher = lock(WATCHER.get_or_init(Mutex::default));
        let last = {
            let mut subs = subscribers();
            let Some(list) = subs.by_dir.get_mut(&self.dir) else {
                return;
            };
            list.retain(|s| s.id != self.id);
            let last = list.is_empty();
            if last {
                subs.by_dir.remove(&self.dir);
            }
            last
        };
        if last && let Some(w) = watcher.as_mut() {
            let _ = w.unwatch(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    #[tokio::test]
    async fn appends_wake_the_follower_and_dropping_stops_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("network-sandbox.log");
        let other = dir.path().join("other.log");
        let wake = Arc::new(Notify::new());
        let watch = watch_file(&file, Arc::clone(&wake)).expect("watch");
        std::fs::write(&other, "x\n").expect("write other");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
            .expect("open");
        f.write_all(b"line\n").expect("append");
        tokio::time::timeout(Duration::from_secs(5), wake.notified())
            .await
            .expect("woken");
        drop(watch);
        assert!(!subscribers().by_dir.contains_key(dir.path()));
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let wake = Arc::new(Notify::new());
        assert!(watch_file(Path::new("/nonexistent/airut/x.log"), wake).is_err());
        assert!(
            !subscribers()
                .by_dir
                .contains_key(Path::new("/nonexistent/airut"))
        );
    }
}

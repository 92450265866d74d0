//! What makes `airut run` reload its config (gateway.md G23.1, W-21 fixed):
//! an inotify watch on the config file's directory (so editors that write
//! a new file and rename it over the old one are seen, and a file created
//! later too) and SIGHUP, each on its own. Triggers are coalesced: a burst
//! of events within [`COALESCE`] gives one reload, and while a reload runs
//! at most one more is queued.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use notify::event::{EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::warn;

/// Editors write in several steps; wait this long after the first event.
pub const COALESCE: Duration = Duration::from_millis(150);

/// Why a reload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    FileChanged,
    Sighup,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::FileChanged => "file changed",
            Trigger::Sighup => "SIGHUP",
        }
    }
}

pub struct ReloadTriggers {
    rx: mpsc::Receiver<Trigger>,
    // dropping the watcher ends the watch
    _watcher: Option<RecommendedWatcher>,
}

/// Starts the SIGHUP handler and, when `watch`, the directory watch. Must
/// run inside the runtime.
pub fn start(config_path: &Path, watch: bool) -> Result<ReloadTriggers> {
    // one reload running, one queued: a full channel drops the trigger
    let (tx, rx) = mpsc::channel(1);
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let hup_tx = tx.clone();
    actix_web::rt::spawn(async move {
        while hup.recv().await.is_some() {
            let _ = hup_tx.try_send(Trigger::Sighup);
        }
    });
    let watcher = if watch {
        // e.g. the inotify watch limit is reached: SIGHUP still works
        match watch_file(config_path, tx) {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                warn!("{error:#}; the config reloads on SIGHUP only");
                None
            }
        }
    } else {
        None
    };
    Ok(ReloadTriggers {
        rx,
        _watcher: watcher,
    })
}

impl ReloadTriggers {
    /// The next trigger, after the burst it starts has settled.
    pub async fn next(&mut self) -> Option<Trigger> {
        let first = self.rx.recv().await?;
        tokio::time::sleep(COALESCE).await;
        let mut trigger = first;
        while let Ok(more) = self.rx.try_recv() {
            if more == Trigger::Sighup {
                trigger = more;
            }
        }
        Some(trigger)
    }
}

fn watch_file(config_path: &Path, tx: mpsc::Sender<Trigger>) -> Result<RecommendedWatcher> {
    let (dir, name) = split(config_path)?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating the config directory {}", dir.display()))?;
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) if is_config_event(&event, &name) => {
                let _ = tx.try_send(Trigger::FileChanged);
            }
            Ok(_) => {}
            Err(error) => warn!("config watch: {error}"),
        })
        .context("starting the config file watch (inotify)")?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", dir.display()))?;
    Ok(watcher)
}

/// The directory to watch and the file name to look for in it.
fn split(config_path: &Path) -> Result<(PathBuf, OsString)> {
    let absolute = std::path::absolute(config_path)
        .with_context(|| format!("resolving {}", config_path.display()))?;
    let name = absolute
        .file_name()
        .map(OsString::from)
        .with_context(|| format!("{} names no file", config_path.display()))?;
    let dir = absolute
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    Ok((dir, name))
}

/// A write to, creation of, or rename onto the file called `name`.
pub fn is_config_event(event: &notify::Event, name: &OsString) -> bool {
    let relevant = match event.kind {
        EventKind::Create(_) => true,
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        _ => false,
    };
    relevant
        && event
            .paths
            .iter()
            .any(|path| path.file_name() == Some(name.as_os_str()))
}

#[cfg(test)]
#[path = "config_watch_tests.rs"]
mod tests;

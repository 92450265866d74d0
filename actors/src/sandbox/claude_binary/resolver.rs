//! Channel → version, remembered in memory and in `resolutions.json`.
//!
//! A fresh answer (younger than the TTL) is used without asking. A stale
//! one is refreshed; if the refresh fails the stale answer is used and the
//! network is left alone for the back-off window. With no earlier answer a
//! failure is the caller's error.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tracing::{debug, info, warn};

use super::error::ClaudeBinaryError;
use super::layout;
use super::resolutions::{
    ChannelRecord, Resolutions, is_fresh, parse_resolutions, render_resolutions,
};
use super::version::Channel;

pub struct ChannelResolver {
    file: PathBuf,
    ttl: Duration,
    refresh_backoff: Duration,
    records: Mutex<Resolutions>,
    /// Per channel: no network before this instant (after a failed refresh).
    quiet_until: Mutex<HashMap<Channel, Instant>>,
    /// One refresh per channel at a time; channels are independent.
    refreshing: [tokio::sync::Mutex<()>; 2],
    /// Serialises writes of the file so the newest snapshot lands last.
    writing: tokio::sync::Mutex<()>,
}

impl ChannelResolver {
    /// Loads `file`; a missing one is empty, a corrupt one is ignored (and
    /// overwritten at the next change).
    pub fn load(file: PathBuf, ttl: Duration, refresh_backoff: Duration) -> ChannelResolver {
        let records = match std::fs::read(&file) {
            Ok(bytes) => parse_resolutions(&bytes).unwrap_or_else(|reason| {
                warn!(file = %file.display(), %reason, "ignoring unreadable Claude Code channel resolutions");
                Resolutions::default()
            }),
            Err(_) => Resolutions::default(),
        };
        ChannelResolver {
            file,
            ttl,
            refresh_backoff,
            records: Mutex::new(records),
            quiet_until: Mutex::new(HashMap::new()),
            refreshing: [tokio::sync::Mutex::new(()), tokio::sync::Mutex::new(())],
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// The channel's version. `fetch(has_fallback)` asks the network; it is
    /// told whether an earlier answer exists so it can give up sooner.
    pub async fn resolve<F, Fut>(
        &self,
        channel: Channel,
        fetch: F,
    ) -> Result<String, ClaudeBinaryError>
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<String, ClaudeBinaryError>>,
    {
        let _refreshing = self.refreshing[channel_index(channel)].lock().await;
        let previous = self.record(channel);
        if let Some(previous) = &previous {
            if is_fresh(previous.resolved_at, unix_now(), self.ttl.as_secs()) {
                return Ok(previous.version.clone());
            }
            if lock(&self.quiet_until)
                .get(&channel)
                .is_some_and(|until| Instant::now() < *until)
            {
                debug!(%channel, version = %previous.version, "recent refresh failed; using the earlier answer");
                return Ok(previous.version.clone());
            }
        }
        match fetch(previous.is_some()).await {
            Ok(version) => {
                lock(&self.quiet_until).remove(&channel);
                if previous.as_ref().is_none_or(|p| p.version != version) {
                    info!(%channel, %version, "Claude Code channel resolved");
                }
                let last_good = previous.and_then(|p| p.last_good);
                lock(&self.records).channels.insert(
                    channel,
                    ChannelRecord {
                        version: version.clone(),
                        resolved_at: unix_now(),
                        last_good,
                    },
                );
                self.persist().await;
                Ok(version)
            }
            Err(error) => match previous {
                Some(previous) => {
                    warn!(%channel, version = %previous.version, %error,
                        "could not refresh the Claude Code channel; using the earlier answer");
                    lock(&self.quiet_until).insert(channel, Instant::now() + self.refresh_backoff);
                    Ok(previous.version)
                }
                None => Err(error),
            },
        }
    }

    pub fn record(&self, channel: Channel) -> Option<ChannelRecord> {
        lock(&self.records).channels.get(&channel).cloned()
    }

    /// Notes that `version` from `channel` is now on disk.
    pub async fn record_good(&self, channel: Channel, version: &str) {
        let changed = {
            let mut records = lock(&self.records);
            match records.channels.get_mut(&channel) {
                Some(r) if r.last_good.as_deref() != Some(version) => {
                    r.last_good = Some(version.to_owned());
                    true
                }
                _ => false,
            }
        };
        if changed {
            self.persist().await;
        }
    }

    /// Writes the file atomically. Failure is logged, not returned: the
    /// memory copy still works, and an unwritable cache shows up elsewhere.
    async fn persist(&self) {
        let _writing = self.writing.lock().await;
        let bytes = render_resolutions(&lock(&self.records));
        let file = self.file.clone();
        let result = tokio::task::spawn_blocking(move || {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            layout::write_atomically(&file, &bytes)
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                warn!(file = %self.file.display(), %error, "could not save Claude Code channel resolutions")
            }
            Err(error) => warn!(%error, "resolution write task failed"),
        }
    }
}

fn channel_index(channel: Channel) -> usize {
    match channel {
        Channel::Latest => 0,
        Channel::Stable => 1,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

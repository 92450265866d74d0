//! [`ClaudeBinaryCache`]: from a [`ClaudeSource`] to a verified binary on
//! the host, downloading at most once per version.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tracing::{Instrument, debug, info, info_span, warn};

use super::download::{download_verified, install};
use super::error::ClaudeBinaryError;
use super::layout::{self, RESOLUTIONS_NAME};
use super::local::verify_local_binary;
use super::manifest::{parse_channel_body, parse_manifest};
use super::platform::Platform;
use super::release_server::{DEFAULT_BASE_URL, ReleaseServer};
use super::resolver::ChannelResolver;
use super::retry::RetryPolicy;
use super::version::{Channel, ClaudeSource, VersionRequest, compare_versions, is_exact_version};

/// Upper bound for a channel file or a manifest.
const MAX_METADATA_BYTES: usize = 1 << 20;

/// Knobs, with the production values as [`Default`]. Tests shorten the
/// delays and windows.
#[derive(Debug, Clone)]
pub struct ClaudeCacheOptions {
    /// Release location; `https`, or `http` on loopback only.
    pub base_url: String,
    /// Release platform; `None` detects the host's.
    pub platform: Option<Platform>,
    /// Attempts per download (and per channel lookup without a fallback).
    pub attempts: u32,
    /// Pauses between attempts; the last repeats.
    pub retry_delays: Vec<Duration>,
    /// Whole-request limit for a channel file or manifest.
    pub metadata_timeout: Duration,
    /// Channel lookup limit when an earlier answer can stand in (one
    /// attempt, so a CDN outage costs seconds, not minutes).
    pub fallback_metadata_timeout: Duration,
    /// The binary download fails after this long without a byte.
    pub binary_idle_timeout: Duration,
    /// How long a channel answer is trusted without asking again.
    pub channel_ttl: Duration,
    /// After a failed refresh, how long the earlier answer is used without
    /// trying the network again.
    pub refresh_backoff: Duration,
}

impl Default for ClaudeCacheOptions {
    fn default() -> Self {
        ClaudeCacheOptions {
            base_url: DEFAULT_BASE_URL.to_owned(),
            platform: None,
            attempts: 3,
            retry_delays: vec![Duration::from_secs(2), Duration::from_secs(4)],
            metadata_timeout: Duration::from_secs(30),
            fallback_metadata_timeout: Duration::from_secs(5),
            binary_idle_timeout: Duration::from_secs(300),
            channel_ttl: Duration::from_secs(3600),
            refresh_backoff: Duration::from_secs(60),
        }
    }
}

/// A binary ready to be bind-mounted read-only at [`super::CLAUDE_MOUNT_PATH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeBinary {
    /// Absolute host path of the executable.
    pub path: PathBuf,
    /// The release version; `None` for the operator's own binary.
    pub version: Option<String>,
}

/// The host cache of Claude Code releases. Share one per process (it is
/// `Send + Sync`; wrap it in an `Arc`).
pub struct ClaudeBinaryCache {
    dir: PathBuf,
    platform: Platform,
    server: ReleaseServer,
    retry: RetryPolicy,
    options: ClaudeCacheOptions,
    locks: crate::keyed_lock::KeyedLocks,
    resolver: ChannelResolver,
}

impl ClaudeBinaryCache {
    /// Opens the cache at `dir` (created on first download). Fails only
    /// for an unsupported host or an unusable base URL.
    pub fn open(
        dir: impl Into<PathBuf>,
        options: ClaudeCacheOptions,
    ) -> Result<Self, ClaudeBinaryError> {
        let dir = dir.into();
        let platform = match options.platform {
            Some(platform) => platform,
            None => Platform::detect()?,
        };
        let server = ReleaseServer::new(&options.base_url)?;
        let resolver = ChannelResolver::load(
            dir.join(RESOLUTIONS_NAME),
            options.channel_ttl,
            options.refresh_backoff,
        );
        Ok(ClaudeBinaryCache {
            platform,
            server,
            retry: RetryPolicy {
                attempts: options.attempts,
                delays: options.retry_delays.clone(),
            },
            locks: crate::keyed_lock::KeyedLocks::new(dir.join(super::layout::LOCK_DIR)),
            resolver,
            options,
            dir,
        })
    }

    async fn lock(
        &self,
        version: &str,
    ) -> Result<crate::keyed_lock::KeyedGuard, ClaudeBinaryError> {
        self.locks.lock(version).await.map_err(|e| {
            ClaudeBinaryError::storage(
                "lock",
                self.dir.join(super::layout::LOCK_DIR).join(version),
                e,
            )
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// The binary for `source`: the operator's, checked; or a release,
    /// downloaded if not yet cached.
    pub async fn ensure(&self, source: &ClaudeSource) -> Result<ClaudeBinary, ClaudeBinaryError> {
        match source {
            ClaudeSource::LocalBinary(path) => Ok(ClaudeBinary {
                path: verify_local_binary(path)?,
                version: None,
            }),
            ClaudeSource::Version(requested) => self.ensure_version(requested).await,
        }
    }

    /// `latest`, `stable` or an exact version.
    pub async fn ensure_version(&self, requested: &str) -> Result<ClaudeBinary, ClaudeBinaryError> {
        match VersionRequest::parse(requested)? {
            VersionRequest::Exact(version) => self.ensure_exact(&version).await,
            VersionRequest::Channel(channel) => self.ensure_channel(channel).await,
        }
    }

    /// The version `channel` stands for now (see the module doc of
    /// `resolver` for caching and fallback).
    pub async fn resolve_channel(&self, channel: Channel) -> Result<String, ClaudeBinaryError> {
        let span = info_span!("claude_channel", %channel);
        self.resolver
            .resolve(channel, |has_fallback| {
                self.fetch_channel(channel, has_fallback)
            })
            .instrument(span)
            .await
            .map_err(|source| ClaudeBinaryError::ResolveFailed {
                channel: channel.to_string(),
                base_url: self.server.base_url().to_owned(),
                source: Box::new(source),
            })
    }

    /// Asks the CDN. With an earlier answer to fall back on: one attempt
    /// with the short timeout; without: the full retry budget.
    async fn fetch_channel(
        &self,
        channel: Channel,
        has_fallback: bool,
    ) -> Result<String, ClaudeBinaryError> {
        let (policy, timeout) = if has_fallback {
            let quick = RetryPolicy {
                attempts: 1,
                delays: Vec::new(),
            };
            (quick, self.options.fallback_metadata_timeout)
        } else {
            (self.retry.clone(), self.options.metadata_timeout)
        };
        let url = &self.server.channel_url(channel);
        let what = format!("looking up Claude Code `{channel}`");
        policy
            .run(&what, move |attempt| async move {
                let body = self
                    .server
                    .get_small(url, attempt > 1, timeout, MAX_METADATA_BYTES)
                    .await?;
                parse_channel_body(&body, channel.as_str())
            })
            .await
    }

    async fn ensure_channel(&self, channel: Channel) -> Result<ClaudeBinary, ClaudeBinaryError> {
        let version = self.resolve_channel(channel).await?;
        match self.ensure_exact(&version).await {
            Ok(binary) => {
                self.resolver.record_good(channel, &version).await;
                Ok(binary)
            }
            Err(error) => {
                let last_good = self
                    .resolver
                    .record(channel)
                    .and_then(|r| r.last_good)
                    .filter(|good| *good != version);
                if let Some(good) = last_good
                    && let Ok(Some(binary)) = self.cached(&good).await
                {
                    warn!(%channel, wanted = %version, using = %good, %error,
                        "could not get the current Claude Code; using the last one downloaded");
                    return Ok(binary);
                }
                Err(error)
            }
        }
    }

    /// `version`, downloaded if missing. Concurrent calls for one version
    /// (in this process or another) download it once.
    pub async fn ensure_exact(&self, version: &str) -> Result<ClaudeBinary, ClaudeBinaryError> {
        if !is_exact_version(version) {
            return Err(ClaudeBinaryError::InvalidVersion {
                given: version.to_owned(),
            });
        }
        let span = info_span!("claude_binary", %version, platform = %self.platform);
        self.ensure_exact_locked(version).instrument(span).await
    }

    async fn ensure_exact_locked(&self, version: &str) -> Result<ClaudeBinary, ClaudeBinaryError> {
        let _guard = self.lock(version).await?;
        let version_dir = self.dir.join(version);
        if layout::is_complete(&version_dir, version, self.platform) {
            debug!("Claude Code binary cached");
            return Ok(self.binary(version));
        }
        tokio::fs::create_dir_all(&version_dir)
            .await
            .map_err(|e| ClaudeBinaryError::storage("create", &version_dir, e))?;
        layout::remove_stale_partials(&version_dir);
        info!("downloading Claude Code");
        let started = Instant::now();
        let what = format!("downloading Claude Code {version}");
        let dir = &version_dir;
        self.retry
            .run(&what, move |attempt| {
                self.download_once(version, dir, attempt > 1)
            })
            .await?;
        info!(elapsed = ?started.elapsed(), "Claude Code downloaded");
        Ok(self.binary(version))
    }

    async fn download_once(
        &self,
        version: &str,
        version_dir: &Path,
        no_cache: bool,
    ) -> Result<(), ClaudeBinaryError> {
        let manifest_url = self.server.manifest_url(version);
        let manifest = self
            .server
            .get_small(
                &manifest_url,
                no_cache,
                self.options.metadata_timeout,
                MAX_METADATA_BYTES,
            )
            .await?;
        let release = parse_manifest(&manifest, version, self.platform)?;
        let url = self.server.binary_url(version, self.platform);
        let partial = download_verified(
            &self.server,
            &url,
            &release,
            version_dir,
            no_cache,
            self.options.binary_idle_timeout,
        )
        .await?;
        install(partial, manifest, version_dir).await?;
        Ok(())
    }

    /// `version` if it is complete on disk; never downloads.
    async fn cached(&self, version: &str) -> Result<Option<ClaudeBinary>, ClaudeBinaryError> {
        let _guard = self.lock(version).await?;
        let complete = layout::is_complete(&self.dir.join(version), version, self.platform);
        Ok(complete.then(|| self.binary(version)))
    }

    fn binary(&self, version: &str) -> ClaudeBinary {
        ClaudeBinary {
            path: layout::binary_path(&self.dir.join(version)),
            version: Some(version.to_owned()),
        }
    }

    /// Complete versions on disk, oldest first.
    pub fn list_versions(&self) -> Result<Vec<String>, ClaudeBinaryError> {
        let mut versions: Vec<String> = layout::version_dirs(&self.dir)
            .map_err(|e| ClaudeBinaryError::storage("list", &self.dir, e))?
            .into_iter()
            .filter(|v| layout::is_complete(&self.dir.join(v), v, self.platform))
            .collect();
        versions.sort_by(|a, b| compare_versions(a, b));
        Ok(versions)
    }

    /// Removes every version directory (complete or not) that `active`
    /// does not name, each under its version lock, and returns what went.
    /// A channel name in `active` keeps what the channel last resolved to
    /// and its last good version.
    pub async fn prune(&self, active: &[String]) -> Result<Vec<String>, ClaudeBinaryError> {
        let mut keep: HashSet<String> = HashSet::new();
        for name in active {
            match Channel::from_name(name) {
                Some(channel) => {
                    if let Some(record) = self.resolver.record(channel) {
                        keep.insert(record.version);
                        keep.extend(record.last_good);
                    }
                }
                None => {
                    keep.insert(name.clone());
                }
            }
        }
        let mut candidates = layout::version_dirs(&self.dir)
            .map_err(|e| ClaudeBinaryError::storage("list", &self.dir, e))?;
        candidates.retain(|v| !keep.contains(v));
        candidates.sort_by(|a, b| compare_versions(a, b));
        let mut removed = Vec::new();
        for version in candidates {
            let guard = self.lock(&version).await?;
            let version_dir = self.dir.join(&version);
            match tokio::fs::remove_dir_all(&version_dir).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ClaudeBinaryError::storage("remove", &version_dir, e)),
            }
            guard.remove_lock_file();
            info!(%version, "pruned Claude Code");
            removed.push(version);
        }
        Ok(removed)
    }

    #[cfg(test)]
    pub(super) fn live_lock_entries(&self) -> usize {
        self.locks.live_entries()
    }
}

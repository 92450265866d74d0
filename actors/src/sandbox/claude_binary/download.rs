//! One download attempt of one binary: stream into a temp file in the
//! version directory while counting and hashing, then install it with an
//! atomic rename. A failed attempt leaves nothing behind.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::error::ClaudeBinaryError;
use super::layout::{self, BINARY_NAME, MANIFEST_NAME, PARTIAL_PREFIX};
use super::manifest::{PlatformRelease, to_hex};
use super::release_server::{ReleaseServer, interrupted};

/// Cap when the manifest gives no size.
const MAX_BINARY_BYTES: u64 = 2 << 30;

/// Downloads `url` into a temp file in `version_dir`, checking size and
/// SHA-256 against `release`. The file is synced and 0755 on success.
pub async fn download_verified(
    server: &ReleaseServer,
    url: &str,
    release: &PlatformRelease,
    version_dir: &Path,
    no_cache: bool,
    idle_timeout: Duration,
) -> Result<PartialFile, ClaudeBinaryError> {
    let timed_out = || ClaudeBinaryError::Timeout {
        url: url.to_owned(),
        after: idle_timeout,
    };
    let response = tokio::time::timeout(idle_timeout, server.get(url, no_cache))
        .await
        .map_err(|_| timed_out())??;
    let limit = release.size.unwrap_or(MAX_BINARY_BYTES);
    let mut partial = PartialFile::create(version_dir).await?;
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut body = response.into_body();
    while let Some(frame) = tokio::time::timeout(idle_timeout, body.frame())
        .await
        .map_err(|_| timed_out())?
    {
        let frame = frame.map_err(|e| interrupted(url, received, &e))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received += data.len() as u64;
        if received > limit {
            return Err(ClaudeBinaryError::Oversized {
                url: url.to_owned(),
                limit,
            });
        }
        hasher.update(&data);
        partial.write(&data).await?;
    }
    if let Some(expected) = release.size
        && received != expected
    {
        return Err(ClaudeBinaryError::SizeMismatch {
            url: url.to_owned(),
            expected,
            received,
        });
    }
    let actual = to_hex(&hasher.finalize());
    if actual != release.checksum {
        return Err(ClaudeBinaryError::ChecksumMismatch {
            url: url.to_owned(),
            expected: release.checksum.clone(),
            actual,
        });
    }
    partial.finish().await?;
    Ok(partial)
}

/// Saves the manifest, then renames the verified binary into place; the
/// binary's presence is what marks the version complete.
pub async fn install(
    partial: PartialFile,
    manifest: Vec<u8>,
    version_dir: &Path,
) -> Result<PathBuf, ClaudeBinaryError> {
    let manifest_path = version_dir.join(MANIFEST_NAME);
    let target = manifest_path.clone();
    tokio::task::spawn_blocking(move || layout::write_atomically(&target, &manifest))
        .await
        .map_err(|e| ClaudeBinaryError::Internal(format!("manifest write task: {e}")))?
        .map_err(|e| ClaudeBinaryError::storage("write", &manifest_path, e))?;
    let binary = version_dir.join(BINARY_NAME);
    partial.persist(&binary).await?;
    layout::sync_dir(version_dir)
        .map_err(|e| ClaudeBinaryError::storage("sync", version_dir, e))?;
    Ok(binary)
}

/// A download in progress; removed on drop unless persisted.
pub struct PartialFile {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    persisted: bool,
}

impl PartialFile {
    async fn create(dir: &Path) -> Result<PartialFile, ClaudeBinaryError> {
        let path = dir.join(format!("{PARTIAL_PREFIX}{}", layout::unique_suffix()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await
            .map_err(|e| ClaudeBinaryError::storage("create", &path, e))?;
        Ok(PartialFile {
            path,
            file: Some(file),
            persisted: false,
        })
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), ClaudeBinaryError> {
        let Some(file) = self.file.as_mut() else {
            return Err(ClaudeBinaryError::Internal("write after finish".to_owned()));
        };
        file.write_all(data)
            .await
            .map_err(|e| ClaudeBinaryError::storage("write", &self.path, e))
    }

    /// Flush, fsync, close, chmod 0755.
    async fn finish(&mut self) -> Result<(), ClaudeBinaryError> {
        if let Some(mut file) = self.file.take() {
            let synced = async {
                file.flush().await?;
                file.sync_all().await
            };
            synced
                .await
                .map_err(|e| ClaudeBinaryError::storage("write", &self.path, e))?;
        }
        tokio::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o755))
            .await
            .map_err(|e| ClaudeBinaryError::storage("chmod", &self.path, e))
    }

    async fn persist(mut self, target: &Path) -> Result<(), ClaudeBinaryError> {
        tokio::fs::rename(&self.path, target)
            .await
            .map_err(|e| ClaudeBinaryError::storage("install", target, e))?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

//! The cache directory on disk:
//!
//! ```text
//! <cache>/resolutions.json          channel answers (see resolutions.rs)
//! <cache>/.locks/<version>.lock     cross-process lock per version
//! <cache>/<version>/manifest.json   the manifest the binary was checked against
//! <cache>/<version>/claude          the binary, 0755; present = complete
//! <cache>/<version>/.claude.partial-*  a download in progress (or a crash's leftovers)
//! ```

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::manifest::parse_manifest;
use super::platform::Platform;
use super::version::is_exact_version;

pub const BINARY_NAME: &str = "claude";
pub const MANIFEST_NAME: &str = "manifest.json";
pub const RESOLUTIONS_NAME: &str = "resolutions.json";
pub const LOCK_DIR: &str = ".locks";
pub const PARTIAL_PREFIX: &str = ".claude.partial-";

pub fn binary_path(version_dir: &Path) -> PathBuf {
    version_dir.join(BINARY_NAME)
}

/// A version is complete when its binary is an executable regular file
/// and, if the saved manifest gives a size for this platform, has it.
pub fn is_complete(version_dir: &Path, version: &str, platform: Platform) -> bool {
    let Ok(meta) = fs::metadata(binary_path(version_dir)) else {
        return false;
    };
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return false;
    }
    let saved_size = fs::read(version_dir.join(MANIFEST_NAME))
        .ok()
        .and_then(|m| parse_manifest(&m, version, platform).ok())
        .and_then(|release| release.size);
    saved_size.is_none_or(|size| size == meta.len())
}

/// The names of the version directories in `cache_dir`, complete or not.
pub fn version_dirs(cache_dir: &Path) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(cache_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_exact_version(&name) && entry.file_type()?.is_dir() {
            out.push(name);
        }
    }
    Ok(out)
}

/// Writes `bytes` to `path` so that readers see the old or the new file,
/// never a torn one: temp file beside it, fsync, rename, fsync the dir.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(".{name}.tmp-{}", unique_suffix()));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Removes `.claude.partial-*` files left by a crashed download. Only
/// called with the version lock held, so none of them is live.
pub fn remove_stale_partials(version_dir: &Path) {
    let Ok(entries) = fs::read_dir(version_dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PARTIAL_PREFIX))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `<pid>-<counter>`: unique among this host's live processes.
pub fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

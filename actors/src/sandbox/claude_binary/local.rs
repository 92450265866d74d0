//! The operator's own binary (`claude_binary`): checked, never downloaded.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::error::ClaudeBinaryError;

/// Checks that `path` is an executable regular file (following symlinks)
/// and returns its canonical path, which is what gets bind-mounted.
pub fn verify_local_binary(path: &Path) -> Result<PathBuf, ClaudeBinaryError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ClaudeBinaryError::LocalBinaryMissing {
            path: path.to_owned(),
        },
        _ => ClaudeBinaryError::LocalBinaryUnreadable {
            path: path.to_owned(),
            source,
        },
    })?;
    if !meta.is_file() {
        return Err(ClaudeBinaryError::LocalBinaryNotFile {
            path: path.to_owned(),
        });
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(ClaudeBinaryError::LocalBinaryNotExecutable {
            path: path.to_owned(),
        });
    }
    std::fs::canonicalize(path).map_err(|source| ClaudeBinaryError::LocalBinaryUnreadable {
        path: path.to_owned(),
        source,
    })
}

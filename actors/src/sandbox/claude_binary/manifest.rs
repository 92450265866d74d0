//! The release metadata: a channel file's body and a version's
//! `manifest.json`. Pure.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::ClaudeBinaryError;
use super::platform::Platform;
use super::version::is_exact_version;

/// What the manifest says about one platform's binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRelease {
    /// SHA-256 of the binary, 64 lowercase hex digits.
    pub checksum: String,
    /// Length of the binary in bytes, when the manifest gives it.
    pub size: Option<u64>,
}

#[derive(Deserialize)]
struct Manifest {
    platforms: BTreeMap<String, ManifestPlatform>,
}

#[derive(Deserialize)]
struct ManifestPlatform {
    checksum: String,
    #[serde(default)]
    size: Option<u64>,
}

/// Picks `platform` out of a `manifest.json` body.
///
/// A body that is not a manifest is [`ClaudeBinaryError::BadManifest`]
/// (retried: a CDN edge may serve an error page); a manifest without the
/// platform is [`ClaudeBinaryError::PlatformMissing`] (not retried).
pub fn parse_manifest(
    body: &[u8],
    version: &str,
    platform: Platform,
) -> Result<PlatformRelease, ClaudeBinaryError> {
    let bad = |reason: String| ClaudeBinaryError::BadManifest {
        version: version.to_owned(),
        reason,
    };
    let manifest: Manifest = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let name = platform.to_string();
    let Some(entry) = manifest.platforms.get(&name) else {
        return Err(ClaudeBinaryError::PlatformMissing {
            version: version.to_owned(),
            platform: name,
        });
    };
    if !is_sha256_hex(&entry.checksum) {
        return Err(bad(format!(
            "checksum for {name} is not 64 lowercase hex digits: {:?}",
            truncate(&entry.checksum, 80)
        )));
    }
    Ok(PlatformRelease {
        checksum: entry.checksum.clone(),
        size: entry.size,
    })
}

/// Reads a channel file (`latest`, `stable`): one version, maybe followed
/// by a newline. Anything else (an HTML error page, say) is refused.
pub fn parse_channel_body(body: &[u8], channel: &str) -> Result<String, ClaudeBinaryError> {
    let text = String::from_utf8_lossy(body);
    let version = text.trim();
    if is_exact_version(version) {
        Ok(version.to_owned())
    } else {
        Err(ClaudeBinaryError::BadChannelBody {
            channel: channel.to_owned(),
            body: truncate(version, 80).to_owned(),
        })
    }
}

pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

//! The `resolutions.json` file: what each channel last resolved to, when,
//! and the last version from it that was actually downloaded. Pure.
//!
//! ```json
//! {"format":1,"channels":{"latest":{"version":"2.1.3","resolved_at":1767225600,"last_good":"2.1.3"}}}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::version::{Channel, is_exact_version};

pub const RESOLUTIONS_FORMAT: u32 = 1;

/// One channel's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRecord {
    /// What the channel answered last time it answered.
    pub version: String,
    /// When that was, in seconds since the Unix epoch.
    pub resolved_at: u64,
    /// The last version from this channel that was downloaded completely;
    /// the fallback when the current one cannot be fetched.
    pub last_good: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolutions {
    pub channels: BTreeMap<Channel, ChannelRecord>,
}

#[derive(Serialize, Deserialize)]
struct FileModel {
    format: u32,
    channels: BTreeMap<String, FileRecord>,
}

#[derive(Serialize, Deserialize)]
struct FileRecord {
    version: String,
    resolved_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_good: Option<String>,
}

/// Reads the file. Another format or broken JSON is an error (the caller
/// starts afresh and overwrites it); unknown channels and entries whose
/// version is not a valid version are dropped.
pub fn parse_resolutions(bytes: &[u8]) -> Result<Resolutions, String> {
    let model: FileModel = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if model.format != RESOLUTIONS_FORMAT {
        return Err(format!(
            "format {} is not {RESOLUTIONS_FORMAT}",
            model.format
        ));
    }
    let mut out = Resolutions::default();
    for (name, record) in model.channels {
        let Some(channel) = Channel::from_name(&name) else {
            continue;
        };
        if !is_exact_version(&record.version) {
            continue;
        }
        out.channels.insert(
            channel,
            ChannelRecord {
                version: record.version,
                resolved_at: record.resolved_at,
                last_good: record.last_good.filter(|v| is_exact_version(v)),
            },
        );
    }
    Ok(out)
}

pub fn render_resolutions(resolutions: &Resolutions) -> Vec<u8> {
    let model = FileModel {
        format: RESOLUTIONS_FORMAT,
        channels: resolutions
            .channels
            .iter()
            .map(|(channel, r)| {
                (
                    channel.as_str().to_owned(),
                    FileRecord {
                        version: r.version.clone(),
                        resolved_at: r.resolved_at,
                        last_good: r.last_good.clone(),
                    },
                )
            })
            .collect(),
    };
    // Strings and integers only: serialising cannot fail.
    let mut bytes = serde_json::to_vec_pretty(&model).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Whether a resolution made at `resolved_at` is still trusted at `now`
/// (both Unix seconds). A time in the future (the clock went back) is not.
pub fn is_fresh(resolved_at: u64, now: u64, ttl_secs: u64) -> bool {
    resolved_at <= now && now - resolved_at < ttl_secs
}

//! The network log: one JSON object per line, written by one writer task so
//! DNS and HTTP lines never interleave, plus a plain-text rendering.
//!
//! Interface used by `dns` and `mitm` (keep these names): [`NetLog`] (a
//! cheap cloneable handle; `NetLog::record(entry)` never blocks the caller),
//! [`NetLogEntry`], [`EntryKind`], [`Verdict`]; [`render_text`] for the
//! human-readable line.

use serde::{Deserialize, Serialize};

/// One line of the network log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetLogEntry {
    /// RFC 3339 UTC with milliseconds.
    pub time: String,
    pub task_id: String,
    pub kind: EntryKind,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The URL as requested (`https://host/path?query`), or the DNS name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The allowlist rule that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why it was blocked or failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// DNS only: the answer given (`10.199.3.100`, `NODATA`, `NOTIMP`);
    /// `method` holds the query type and `url` the name asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Credential headers swapped for their real value.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub masked: u32,
    /// Foreign credential headers removed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stripped: u32,
    /// Duplicate credential headers removed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub collapsed: u32,
    /// Real secret values replaced by surrogates in the response.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub scrubbed: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The proxy started for a task.
    #[default]
    TaskStart,
    Dns,
    Http,
    Connect,
    /// A connection that was not HTTP(S) as expected (no SNI, not TLS...).
    Connection,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    #[default]
    Allowed,
    Blocked,
    /// Allowed, but the upstream failed.
    Error,
}

mod render;
mod writer;

pub use render::{is_invisible_format, render_text};
pub use writer::NetLog;

//! Proxy decisions of one task, counted from the conversation's network
//! log (`task_runner::NETWORK_LOG`, JSON lines written by the task's
//! proxy, spec/proxy.md "Log entries"). The gateway has no other view of
//! them: the proxy runs in its own container and reports only through
//! that file.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use airut_proxy::netlog::{EntryKind, NetLogEntry, Verdict};

/// What one task's proxy decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkDecisions {
    /// `(kind, verdict)` → entries: kind `http`, `connect`, `dns` or
    /// `connection`; verdict `allowed`, `blocked` or `error`.
    pub requests: BTreeMap<(&'static str, &'static str), u64>,
    /// `masked`, `stripped`, `collapsed`, `scrubbed` → credentials handled
    /// (the sums of the entries' counts).
    pub credentials: BTreeMap<&'static str, u64>,
    /// Lines of this file that are not log entries.
    pub unreadable: u64,
}

impl NetworkDecisions {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.credentials.is_empty() && self.unreadable == 0
    }
}

pub fn kind_label(kind: EntryKind) -> Option<&'static str> {
    match kind {
        EntryKind::TaskStart => None,
        EntryKind::Dns => Some("dns"),
        EntryKind::Http => Some("http"),
        EntryKind::Connect => Some("connect"),
        EntryKind::Connection => Some("connection"),
    }
}

pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Allowed => "allowed",
        Verdict::Blocked => "blocked",
        Verdict::Error => "error",
    }
}

/// Counts the entries of `task_id` in `text` (whole lines). Other tasks'
/// entries are skipped: the conversation's tasks share the file.
pub fn count_decisions(text: &str, task_id: &str) -> NetworkDecisions {
    let mut decisions = NetworkDecisions::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(entry) = serde_json::from_str::<NetLogEntry>(line) else {
            decisions.unreadable += 1;
            continue;
        };
        if entry.task_id != task_id {
            continue;
        }
        let Some(kind) = kind_label(entry.kind) else {
            continue;
        };
        *decisions
            .requests
            .entry((kind, verdict_label(entry.verdict)))
            .or_default() += 1;
        for (action, n) in [
            ("masked", entry.masked),
            ("stripped", entry.stripped),
            ("collapsed", entry.collapsed),
            ("scrubbed", entry.scrubbed),
        ] {
            if n > 0 {
                *decisions.credentials.entry(action).or_default() += u64::from(n);
            }
        }
    }
    decisions
}

/// Reads `path` from byte `from` and counts `task_id`'s entries. Returns
/// the offset after the last whole line, where the next task of the
/// conversation can start (a torn last line is left for it). A missing
/// file (no network sandbox) counts nothing. Blocks: call off the actor
/// threads.
pub fn count_task_log(
    path: &Path,
    from: u64,
    task_id: &str,
) -> std::io::Result<(NetworkDecisions, u64)> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok((NetworkDecisions::default(), 0));
        }
        Err(err) => return Err(err),
    };
    let len = file.metadata()?.len();
    // A file shorter than the offset was replaced: read it whole.
    let from = if from > len { 0 } else { from };
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let text = String::from_utf8_lossy(&bytes[..whole]);
    Ok((count_decisions(&text, task_id), from + whole as u64))
}

#[cfg(test)]
#[path = "network_decisions_tests.rs"]
mod tests;

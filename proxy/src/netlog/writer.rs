//! The single writer of the network log.

use std::path::Path;

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use super::NetLogEntry;

/// Lines waiting for the writer before new ones are dropped (and counted):
/// a flood of requests must never stall the proxy on disk I/O.
const QUEUE: usize = 8192;
/// Most entries written with one call.
const BATCH: usize = 512;

/// A handle to the network log. Cloning is cheap; every clone feeds the same
/// writer task, which appends one JSON line per entry.
#[derive(Clone, Debug)]
pub struct NetLog {
    sender: mpsc::Sender<NetLogEntry>,
    task_id: String,
}

impl NetLog {
    /// Opens (appends to) `path` and starts the writer task.
    pub async fn open(path: &Path, task_id: &str) -> std::io::Result<NetLog> {
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await?;
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_lines(file, receiver));
        Ok(NetLog {
            sender,
            task_id: task_id.to_string(),
        })
    }

    /// A log whose entries go to `sender` (tests read them from the receiver).
    pub fn to_channel(sender: mpsc::Sender<NetLogEntry>, task_id: &str) -> NetLog {
        NetLog {
            sender,
            task_id: task_id.to_string(),
        }
    }

    /// Records `entry`, stamping time and task id. Never waits.
    pub fn record(&self, mut entry: NetLogEntry) {
        entry.task_id = self.task_id.clone();
        if entry.time.is_empty() {
            entry.time = now_rfc3339();
        }
        if self.sender.try_send(entry).is_err() {
            tracing::warn!("network log queue full; an entry was dropped");
        }
    }
}

async fn write_lines(mut file: tokio::fs::File, mut receiver: mpsc::Receiver<NetLogEntry>) {
    // Entries are taken in batches and written with one call: under load a
    // write per entry cost a blocking-pool wake-up per request (measured:
    // about a third of the proxy's CPU per request).
    let mut batch = Vec::with_capacity(BATCH);
    let mut bytes = Vec::new();
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        bytes.clear();
        for entry in batch.drain(..) {
            // A failed entry adds nothing, never half a line.
            if let Ok(line) = serde_json::to_vec(&entry) {
                bytes.extend_from_slice(&line);
                bytes.push(b'\n');
            }
        }
        // Whole lines only, appended with one write: readers never see a
        // line torn between two entries.
        if let Err(err) = file.write_all(&bytes).await {
            tracing::warn!("network log write failed: {err}");
        }
        if receiver.is_empty() {
            let _ = file.flush().await;
        }
    }
}

/// `2026-11-22T14:03:01.123Z` without a date crate: days from the civil
/// calendar algorithm.
pub(crate) fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_rfc3339(now.as_secs() as i64, now.subsec_millis())
}

pub(crate) fn format_rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlog::{EntryKind, Verdict};

    #[test]
    fn rfc3339_dates() {
        assert_eq!(format_rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(1_795_354_030, 7), "2026-11-22T13:27:10.007Z");
        assert_eq!(format_rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    }

    #[tokio::test]
    async fn entries_become_json_lines_with_task_and_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("network.log");
        let log = NetLog::open(&path, "t9").await.expect("open");
        for i in 0..50 {
            log.record(NetLogEntry {
                kind: EntryKind::Http,
                verdict: Verdict::Blocked,
                url: Some(format!("https://x/{i}")),
                ..NetLogEntry::default()
            });
        }
        drop(log);
        let mut lines = Vec::new();
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            lines = std::fs::read_to_string(&path)
                .expect("read")
                .lines()
                .map(String::from)
                .collect();
            if lines.len() == 50 {
                break;
            }
        }
        assert_eq!(lines.len(), 50);
        let first: NetLogEntry = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(first.task_id, "t9");
        assert!(first.time.ends_with('Z'));
        assert_eq!(first.url.as_deref(), Some("https://x/0"));
    }
}

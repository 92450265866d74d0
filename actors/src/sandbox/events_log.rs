//! `events.jsonl`: every Claude Code event of a conversation, one per line,
//! tagged with the task it belongs to. Append-only; the dashboard and
//! `airut logs` read it. Each line is written with one `write` call on a
//! file opened in append mode, so concurrent readers never see half a line
//! unless the disk is full.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One line of `events.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    pub task_id: String,
    /// Milliseconds since the Unix epoch, when Airut read the event.
    pub at_ms: u64,
    /// The event exactly as Claude Code printed it.
    pub event: serde_json::Value,
}

pub struct EventsLog {
    path: PathBuf,
    file: File,
}

impl EventsLog {
    pub fn open(path: &Path) -> io::Result<EventsLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(EventsLog {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&mut self, task_id: &str, event: &serde_json::Value) -> io::Result<()> {
        let entry = LoggedEvent {
            task_id: task_id.to_string(),
            at_ms: now_ms(),
            event: event.clone(),
        };
        let mut line = serde_json::to_vec(&entry).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }
}

/// Reads every complete, parsable line; a torn last line (a crash mid-write)
/// and foreign lines are skipped, not fatal.
pub fn read_events(path: &Path) -> io::Result<Vec<LoggedEvent>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .filter_map(|line| serde_json::from_str(line.trim_end()).ok())
        .collect())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_and_read_back_with_task_ids() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.jsonl");
        let mut log = EventsLog::open(&path).expect("open");
        log.append(
            "t1",
            &serde_json::json!({"type": "system", "subtype": "init"}),
        )
        .expect("append");
        log.append("t2", &serde_json::json!({"type": "result"}))
            .expect("append");
        drop(log);
        let mut again = EventsLog::open(&path).expect("reopen appends");
        again
            .append("t2", &serde_json::json!({"type": "assistant"}))
            .expect("append");
        let events = read_events(&path).expect("read");
        let tasks: Vec<&str> = events.iter().map(|e| e.task_id.as_str()).collect();
        assert_eq!(tasks, vec!["t1", "t2", "t2"]);
        assert_eq!(events[0].event["subtype"], "init");
    }

    #[test]
    fn torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.jsonl");
        std::fs::write(
            &path,
            "{\"task_id\":\"t\",\"at_ms\":1,\"event\":{}}\n{\"task_id\":\"t\",\"at",
        )
        .expect("write");
        assert_eq!(read_events(&path).expect("read").len(), 1);
    }

    #[test]
    fn missing_file_is_empty() {
        assert!(
            read_events(Path::new("/nonexistent/events.jsonl"))
                .expect("ok")
                .is_empty()
        );
    }
}

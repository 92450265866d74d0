//! Reading the append-only logs of a conversation (`events.jsonl`, the
//! network log) from a line cursor. A line counts once it is complete
//! (ends in `\n`): a line still being written is left for the next read,
//! so cursors never split one.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use airut_actors::intake::ConversationId;
use serde::Serialize;

/// Most lines one read returns; `more` tells the client to ask again.
pub const PAGE_LINES: usize = 1000;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// Complete lines up to and including the last one returned: the
    /// cursor to continue from. Smaller than the cursor asked for when the
    /// file is shorter (it was replaced); the client should start over.
    pub cursor: u64,
    pub lines: Vec<String>,
    /// More complete lines follow.
    pub more: bool,
}

/// The complete lines after the first `after`, at most `limit`.
pub fn lines_after(mut reader: impl BufRead, after: u64, limit: usize) -> io::Result<Page> {
    let mut page = Page::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 || buf.last() != Some(&b'\n') {
            return Ok(page);
        }
        if page.cursor < after {
            page.cursor += 1;
            continue;
        }
        if page.lines.len() == limit {
            page.more = true;
            return Ok(page);
        }
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        page.lines.push(String::from_utf8_lossy(&buf).into_owned());
        page.cursor += 1;
    }
}

/// As [`lines_after`] on a file; a missing file is empty.
pub fn read_page(path: &Path, after: u64, limit: usize) -> io::Result<Page> {
    match std::fs::File::open(path) {
        Ok(file) => lines_after(io::BufReader::new(file), after, limit),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Page::default()),
        Err(e) => Err(e),
    }
}

/// Each line as JSON; a line that is not JSON is kept as a JSON string.
pub fn json_lines(lines: Vec<String>) -> Vec<serde_json::Value> {
    lines
        .into_iter()
        .map(|line| serde_json::from_str(&line).unwrap_or(serde_json::Value::String(line)))
        .collect()
}

/// `<state>/<repo>/conversations/<id>`; `None` when the repo id (from a
/// stored record) is not a single plain path component.
pub fn conversation_dir(
    state_dir: &Path,
    repo_id: &str,
    conversation: &ConversationId,
) -> Option<PathBuf> {
    let plain = !repo_id.is_empty()
        && repo_id != "."
        && repo_id != ".."
        && !repo_id.contains(['/', '\\', '\0']);
    plain.then(|| {
        state_dir
            .join(repo_id)
            .join("conversations")
            .join(conversation.as_str())
    })
}

/// What the events and network endpoints return.
#[derive(Debug, Serialize)]
pub struct LogPage {
    pub cursor: u64,
    pub lines: Vec<serde_json::Value>,
    pub more: bool,
}

impl From<Page> for LogPage {
    fn from(page: Page) -> LogPage {
        LogPage {
            cursor: page.cursor,
            lines: json_lines(page.lines),
            more: page.more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str, after: u64, limit: usize) -> Page {
        lines_after(io::Cursor::new(text.as_bytes()), after, limit).expect("read")
    }

    #[test]
    fn complete_lines_after_the_cursor() {
        let text = "a\nb\nc\n";
        assert_eq!(
            page(text, 0, 10),
            Page {
                cursor: 3,
                lines: vec!["a".into(), "b".into(), "c".into()],
                more: false
            }
        );
        assert_eq!(page(text, 2, 10).lines, vec!["c".to_string()]);
        assert_eq!(page(text, 2, 10).cursor, 3);
        assert_eq!(
            page(text, 3, 10),
            Page {
                cursor: 3,
                ..Page::default()
            }
        );
    }

    #[test]
    fn a_torn_last_line_is_left_for_later() {
        let p = page("a\nb\n{\"half", 0, 10);
        assert_eq!(p.cursor, 2);
        assert_eq!(p.lines, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(
            page("a\nb\n{\"half\"}\n", p.cursor, 10).lines,
            vec!["{\"half\"}".to_string()]
        );
    }

    #[test]
    fn pages_stop_at_the_limit() {
        let p = page("a\nb\nc\n", 0, 2);
        assert_eq!((p.cursor, p.more), (2, true));
        let rest = page("a\nb\nc\n", p.cursor, 2);
        assert_eq!(
            (rest.cursor, rest.more, rest.lines),
            (3, false, vec!["c".to_string()])
        );
        // exactly `limit` lines: nothing more
        assert!(!page("a\nb\n", 0, 2).more);
    }

    #[test]
    fn a_cursor_past_the_end_reports_the_shorter_file() {
        assert_eq!(
            page("a\n", 5, 10),
            Page {
                cursor: 1,
                ..Page::default()
            }
        );
    }

    #[test]
    fn crlf_and_foreign_lines() {
        let p = page("{\"x\":1}\r\nnot json\n", 0, 10);
        let json = json_lines(p.lines);
        assert_eq!(
            json,
            vec![serde_json::json!({"x": 1}), serde_json::json!("not json")]
        );
    }

    #[test]
    fn missing_files_are_empty() {
        let p = read_page(Path::new("/nonexistent/airut/events.jsonl"), 0, 10).expect("read");
        assert_eq!(p, Page::default());
    }

    #[test]
    fn repo_ids_must_be_plain() {
        let id = ConversationId::parse("0123abcd").unwrap();
        let state = Path::new("/state");
        assert_eq!(
            conversation_dir(state, "alpha", &id),
            Some(PathBuf::from("/state/alpha/conversations/0123abcd"))
        );
        for bad in ["", ".", "..", "a/b", "a\\b"] {
            assert_eq!(conversation_dir(state, bad, &id), None, "{bad}");
        }
    }
}

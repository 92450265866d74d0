//! The reply text of a successful run and the error summary of a failed
//! one.

/// The reply when a successful run produced no text at all.
pub const NO_OUTPUT: &str = "No output received from Claude.";

/// An error summary keeps at most this many lines (the last ones).
pub const ERROR_SUMMARY_LINES: usize = 10;

/// How many of the latest texts may hold the substantive reply.
const LOOKBACK: usize = 5;

/// An earlier text is the substantive reply when it is at least this many
/// times as long as the last one.
const SUBSTANTIVE_RATIO: usize = 4;

/// Picks the reply from the main agent's texts, oldest first (one entry per
/// API message, empty ones already left out).
///
/// The reply is the last text, unless one of the [`LOOKBACK`] latest texts
/// before it is at least [`SUBSTANTIVE_RATIO`] times as long (in
/// characters): then the latest such text and every text after it, joined
/// by a blank line. This keeps the real answer when the model wrote it
/// before a last tool call and closed with a short remark.
pub fn select_reply(texts: &[String]) -> Option<String> {
    let (last, earlier) = texts.split_last()?;
    let last_len = last.chars().count();
    if last_len == 0 {
        return Some(last.clone());
    }
    let window_start = earlier.len().saturating_sub(LOOKBACK - 1);
    let threshold = last_len.saturating_mul(SUBSTANTIVE_RATIO);
    let anchor = (window_start..earlier.len())
        .rev()
        .find(|&index| earlier[index].chars().count() >= threshold);
    match anchor {
        Some(index) => Some(texts[index..].join("\n\n")),
        None => Some(last.clone()),
    }
}

/// The last `count` lines of `text` after trimming it; `None` if nothing
/// is left.
pub fn last_lines(text: &str, count: usize) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || count == 0 {
        return None;
    }
    let lines: Vec<&str> = trimmed.lines().collect();
    let start = lines.len().saturating_sub(count);
    Some(lines[start..].join("\n"))
}

/// The last [`ERROR_SUMMARY_LINES`] of the first source that has text.
pub fn summary_from<'a>(sources: impl IntoIterator<Item = Option<&'a str>>) -> Option<String> {
    sources
        .into_iter()
        .flatten()
        .find_map(|text| last_lines(text, ERROR_SUMMARY_LINES))
}

//! DM thread titles (reference S18, set once per thread as its spec says,
//! §5 Slack 27): the first line of the first message, short enough for
//! Slack's history list.

/// Characters of a title.
pub const MAX_TITLE_CHARS: usize = 60;

/// The title for a thread whose first message is `body`: its first
/// non-empty line with runs of whitespace collapsed, cut at a word boundary
/// (with `…`) past [`MAX_TITLE_CHARS`]; `None` when there is no text.
pub fn thread_title(body: &str) -> Option<String> {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_TITLE_CHARS {
        return Some(line);
    }
    let head: String = line.chars().take(MAX_TITLE_CHARS - 1).collect();
    let cut = match head.rfind(' ') {
        // a word break in the second half keeps most of the text
        Some(space) if head[..space].chars().count() >= MAX_TITLE_CHARS / 2 => &head[..space],
        _ => head.as_str(),
    };
    Some(format!("{}…", cut.trim_end()))
}

#[cfg(test)]
#[path = "title_tests.rs"]
mod tests;

//! Decides what happens to the quoted parts `html_text` marked: a quote
//! the user wrote below (an inline reply, bottom posting) stays as `> `
//! lines for context; a trailing quote is the old thread and goes, with
//! the "On … wrote:" line and rule that introduced it.

use super::attribution;

/// Private-use characters: the renderer drops them from the input, so in
/// its output they can only be our marks.
pub(super) const QUOTE_START: char = '\u{E000}';
pub(super) const QUOTE_END: char = '\u{E001}';

struct Segment {
    quoted: bool,
    text: String,
}

/// The final text of a rendered body whose quotes are marked.
pub(super) fn resolve(rendered: &str) -> String {
    let mut segments = split(rendered);
    merge_adjacent_quotes(&mut segments);
    pull_introductions_into_quotes(&mut segments);

    let mut pieces: Vec<String> = Vec::new();
    let mut text_follows = false;
    for segment in segments.iter().rev() {
        if !segment.quoted {
            text_follows |= !segment.text.trim().is_empty();
            pieces.push(segment.text.clone());
        } else if text_follows || attribution::looks_forwarded(&segment.text) {
            pieces.push(as_quote(&segment.text));
        }
    }
    pieces.reverse();
    let pieces: Vec<&str> = pieces
        .iter()
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .collect();
    normalize(&pieces.join("\n\n"))
}

fn split(rendered: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in rendered.chars() {
        match c {
            QUOTE_START if !quoted => {
                segments.push(Segment {
                    quoted,
                    text: std::mem::take(&mut current),
                });
                quoted = true;
            }
            QUOTE_END if quoted => {
                segments.push(Segment {
                    quoted,
                    text: std::mem::take(&mut current),
                });
                quoted = false;
            }
            QUOTE_START | QUOTE_END => {}
            c => current.push(c),
        }
    }
    segments.push(Segment {
        quoted,
        text: current,
    });
    for segment in &mut segments {
        segment.text = normalize(&segment.text);
    }
    segments
}

/// Thunderbird sends its cite prefix and the blockquote as two quoted
/// elements; they are one quote.
fn merge_adjacent_quotes(segments: &mut Vec<Segment>) {
    let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
    for segment in segments.drain(..) {
        if !segment.quoted && segment.text.trim().is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some(last) if last.quoted && segment.quoted => {
                if !segment.text.is_empty() {
                    last.text.push('\n');
                    last.text.push_str(&segment.text);
                }
            }
            _ => merged.push(segment),
        }
    }
    *segments = merged;
}

/// Apple Mail and Outlook put the attribution line or a rule just before
/// the quoting element; it belongs to the quote.
fn pull_introductions_into_quotes(segments: &mut [Segment]) {
    for index in 1..segments.len() {
        if !segments[index].quoted || segments[index - 1].quoted {
            continue;
        }
        let before = segments[index - 1].text.clone();
        let mut lines: Vec<&str> = before.lines().collect();
        // Collected last line first; reversed once at the end.
        let mut moved: Vec<&str> = Vec::new();
        loop {
            while lines.last().is_some_and(|l| l.trim().is_empty()) {
                lines.pop();
            }
            if lines.last().is_some_and(|l| attribution::is_rule_line(l)) {
                if let Some(line) = lines.pop() {
                    moved.push(line);
                }
                continue;
            }
            if let Some(start) = attribution::trailing_attribution_start(&lines) {
                let tail = lines.split_off(start);
                moved.extend(tail.into_iter().rev());
                continue;
            }
            break;
        }
        if moved.is_empty() {
            continue;
        }
        moved.reverse();
        segments[index - 1].text = lines.join("\n");
        let quote = &mut segments[index].text;
        let mut text = moved.join("\n");
        if !quote.is_empty() {
            text.push('\n');
            text.push_str(quote);
        }
        *quote = text;
    }
}

fn as_quote(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_string()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Trailing spaces off every line, at most one blank line in a row, no
/// blank lines at either end.
pub(super) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
#[path = "quote_blocks_tests.rs"]
mod tests;

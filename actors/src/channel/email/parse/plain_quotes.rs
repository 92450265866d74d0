//! Quote stripping for text/plain bodies (the reference keeps them whole;
//! channels.md E10). Only what sits below the user's last own line goes:
//! lines the user wrote between quotes (inline replies) are never touched,
//! and the quotes they answer stay too, as context.

use super::attribution;
use super::quote_blocks::normalize;

pub(super) fn strip_plain_quotes(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(boundary) = header_boundary(&lines) {
        lines.truncate(boundary);
    }
    strip_trailing_quote(&mut lines);
    normalize(&lines.join("\n"))
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Outlook's quoted header block (`-----Original Message-----`, or a rule
/// of underscores followed by `From:`): everything from there down is the
/// message being answered, without `>` marks to tell it apart.
fn header_boundary(lines: &[&str]) -> Option<usize> {
    lines.iter().enumerate().find_map(|(index, line)| {
        if attribution::is_original_message_line(line) {
            return Some(index);
        }
        let underscores = line.trim();
        let is_outlook_rule = underscores.len() >= 10 && underscores.chars().all(|c| c == '_');
        let from_follows = lines
            .iter()
            .skip(index + 1)
            .take(2)
            .any(|next| next.trim_start().starts_with("From:"));
        (is_outlook_rule && from_follows).then_some(index)
    })
}

/// Removes the last `>` block when nothing but blank lines or a signature
/// (`-- `) follows it, together with its attribution line.
fn strip_trailing_quote(lines: &mut Vec<&str>) {
    let Some(last_quoted) = lines.iter().rposition(|l| is_quoted(l)) else {
        return;
    };
    let after = &lines[last_quoted + 1..];
    let first_after = after.iter().position(|l| !l.trim().is_empty());
    let trailing = match first_after {
        None => true,
        Some(at) => matches!(after[at].trim_end(), "--" | "-- "),
    };
    if !trailing {
        return;
    }
    let mut start = last_quoted;
    while start > 0 && (is_quoted(lines[start - 1]) || lines[start - 1].trim().is_empty()) {
        start -= 1;
    }
    if let Some(attribution) = attribution::trailing_attribution_start(&lines[..start]) {
        start = attribution;
    }
    lines.drain(start..=last_quoted);
}

#[cfg(test)]
#[path = "plain_quotes_tests.rs"]
mod tests;

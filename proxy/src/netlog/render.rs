//! The network log as people read it: one line per entry.
//!
//! Every field can carry text the task container chose (a DNS name, a URL,
//! a method), so every field is escaped: control characters, line and
//! paragraph separators and bidirectional overrides become visible escapes,
//! and a backslash doubles, so no field can end the line, forge a second
//! one, or be mistaken for an escape. Fields that are one token (method,
//! URL, DNS name and answer) also escape spaces, so a crafted name cannot
//! pass for ` -> 200` or a verdict.

use std::fmt::Write;

use super::{EntryKind, NetLogEntry, Verdict};

/// One line, without a trailing newline. Examples:
///
/// ```text
/// 14:03:01 ALLOWED GET https://api.github.com/repos/x -> 200 [masked: 1]
/// 14:03:02 BLOCKED CONNECT evil.com:443 -> 403 (tunneling not allowed)
/// 14:03:03 DNS A example.com -> 10.199.3.100
/// === TASK START 2026-11-22T14:03:00.000Z ===
/// ```
pub fn render_text(entry: &NetLogEntry) -> String {
    if entry.kind == EntryKind::TaskStart {
        return format!("=== TASK START {} ===", token(&entry.time));
    }
    let mut line = time_of_day(&entry.time);
    line.push(' ');
    match entry.kind {
        EntryKind::Dns => {
            line.push_str("DNS ");
            line.push_str(&token(entry.method.as_deref().unwrap_or("?")));
            line.push(' ');
            line.push_str(&token(entry.url.as_deref().unwrap_or("?")));
            line.push_str(" -> ");
            // The answer when there is one; otherwise (a dropped or refused
            // query) the reason takes its place, as an error's does.
            match (entry.answer.as_deref(), entry.reason.as_deref()) {
                (Some(answer), _) => {
                    line.push_str(&token(answer));
                    if entry.verdict != Verdict::Allowed {
                        push_reason(&mut line, entry);
                    }
                }
                (None, Some(reason)) => line.push_str(&text(reason)),
                (None, None) => line.push('?'),
            }
        }
        EntryKind::Http | EntryKind::Connect | EntryKind::Connection => {
            let default_method = match entry.kind {
                EntryKind::Connect => "CONNECT",
                _ => "-",
            };
            line.push_str(verdict_word(entry.verdict));
            line.push(' ');
            line.push_str(&token(entry.method.as_deref().unwrap_or(default_method)));
            line.push(' ');
            line.push_str(&token(entry.url.as_deref().unwrap_or("-")));
            line.push_str(" -> ");
            push_outcome(&mut line, entry);
            push_counts(&mut line, entry);
        }
        EntryKind::TaskStart => {}
    }
    line
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Allowed => "ALLOWED",
        Verdict::Blocked => "BLOCKED",
        Verdict::Error => "ERROR",
    }
}

/// `-> 200`, `-> 403 (reason)`, `-> ?`; an error without a status shows
/// its reason in place of the status, as in `ERROR GET url -> connection refused`.
fn push_outcome(line: &mut String, entry: &NetLogEntry) {
    match (entry.status, entry.verdict, entry.reason.as_deref()) {
        (None, Verdict::Error, Some(reason)) => line.push_str(&text(reason)),
        (status, _, _) => {
            match status {
                Some(status) => {
                    let _ = write!(line, "{status}");
                }
                None => line.push('?'),
            }
            push_reason(line, entry);
        }
    }
}

fn push_reason(line: &mut String, entry: &NetLogEntry) {
    if let Some(reason) = entry.reason.as_deref() {
        let _ = write!(line, " ({})", text(reason));
    }
}

fn push_counts(line: &mut String, entry: &NetLogEntry) {
    for (name, count) in [
        ("masked", entry.masked),
        ("stripped", entry.stripped),
        ("collapsed", entry.collapsed),
        ("scrubbed", entry.scrubbed),
    ] {
        if count > 0 {
            let _ = write!(line, " [{name}: {count}]");
        }
    }
}

/// `2026-11-22T14:03:01.123Z` → `14:03:01`; anything else is shown whole
/// (escaped), so a bad clock is visible rather than hidden.
fn time_of_day(time: &str) -> String {
    let bytes = time.as_bytes();
    let well_formed = bytes.len() >= 19
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && [11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| bytes[i].is_ascii_digit());
    match time.get(11..19) {
        Some(hms) if well_formed => hms.to_owned(),
        _ if time.is_empty() => "--:--:--".to_owned(),
        _ => token(time),
    }
}

/// A one-token field: [`text`] escaping, plus spaces.
fn token(value: &str) -> String {
    escape(value, true)
}

/// A free-text field (reasons): spaces stay, everything else as [`token`].
fn text(value: &str) -> String {
    escape(value, false)
}

fn escape(value: &str, spaces: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' ' if spaces => out.push_str("\\x20"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_invisible_format(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters that move or hide text on screen without being control
/// characters: zero-width, line/paragraph separators, bidi controls, BOM.
/// Anything that prints log text on a terminal escapes these.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;

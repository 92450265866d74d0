//! Mentions both ways (reference S12, S15 with §5 Slack 19 and 21 fixed).
//!
//! Outbound, `@name` in the rendered answer becomes a live `<@U…>` only for
//! a participant of the thread; `@channel`, `@here` and `@everyone` are
//! broken with a zero-width space so they can never notify, and nothing
//! resolves to user groups or channels (the agent must not be able to page
//! people who are not in the conversation). Code is left alone.
//!
//! Inbound, Slack's `<…>` tokens become readable text and its three HTML
//! entities are decoded, so the agent sees what the user typed.

use std::collections::HashMap;

/// Someone taking part in the thread, with the names people may write
/// after `@`, in the order they are tried: display name, real name, user
/// name. Bots are never participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: String,
    pub names: Vec<String>,
}

/// Broadcast words that must never become a notification.
const BROADCASTS: [&str; 3] = ["channel", "here", "everyone"];

/// Breaks a broadcast: Slack never links `@` followed by a zero-width space.
const NEUTRAL: &str = "@\u{200B}";

/// `mrkdwn` with `@name` rewritten to `<@U…>` for the thread's
/// participants, outside code blocks and code spans.
pub fn rewrite_mentions(mrkdwn: &str, participants: &[Participant]) -> String {
    let mut out = String::with_capacity(mrkdwn.len());
    let mut in_fence = false;
    for (i, line) in mrkdwn.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let fences = line.matches("```").count();
        if fences > 0 || in_fence {
            // A line holding a fence is kept whole: part of it is code.
            out.push_str(line);
            if fences % 2 == 1 {
                in_fence = !in_fence;
            }
            continue;
        }
        for (n, piece) in line.split('`').enumerate() {
            if n > 0 {
                out.push('`');
            }
            if n % 2 == 0 {
                rewrite_piece(piece, participants, &mut out);
            } else {
                out.push_str(piece);
            }
        }
    }
    out
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The character before `@` that keeps it literal (`user@host`,
/// `path/@x`, `a.@b`): `regex` has no lookbehind, so this is checked by hand.
fn blocks_mention(before: Option<char>) -> bool {
    before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '@' | '#' | '-'))
}

fn rewrite_piece(text: &str, participants: &[Participant], out: &mut String) {
    let mut before: Option<char> = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '@' && !blocks_mention(before) {
            let tail = &rest[1..];
            let mut len = tail.find(|c: char| !is_name_char(c)).unwrap_or(tail.len());
            // a trailing `.`, `-` is punctuation, not part of the name
            while len > 0 && !tail[..len].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                len -= 1;
            }
            if len > 0 {
                let name = &tail[..len];
                if BROADCASTS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
                    out.push_str(NEUTRAL);
                    out.push_str(name);
                } else if let Some(id) = resolve_participant(name, participants) {
                    out.push_str("<@");
                    out.push_str(id);
                    out.push('>');
                } else {
                    out.push('@');
                    out.push_str(name);
                }
                before = name.chars().last();
                rest = &tail[len..];
                continue;
            }
        }
        out.push(c);
        before = Some(c);
        rest = &rest[c.len_utf8()..];
    }
}

/// The participant `name` designates: the first name field (display, real,
/// user name) that exactly one participant has, compared without case. A
/// field two people share is ambiguous and resolves to nobody.
pub fn resolve_participant<'a>(name: &str, participants: &'a [Participant]) -> Option<&'a str> {
    let fields = participants
        .iter()
        .map(|p| p.names.len())
        .max()
        .unwrap_or(0);
    for field in 0..fields {
        let mut found: Vec<&str> = participants
            .iter()
            .filter(|p| {
                p.names
                    .get(field)
                    .is_some_and(|n| !n.is_empty() && n.eq_ignore_ascii_case(name))
            })
            .map(|p| p.id.as_str())
            .collect();
        found.sort_unstable();
        found.dedup();
        match found.len() {
            0 => continue,
            1 => return found.first().copied(),
            _ => return None,
        }
    }
    None
}

/// Slack's three entities decoded in one pass (`&amp;lt;` stays `&lt;`).
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (decoded, len) = if tail.starts_with("&amp;") {
            ('&', 5)
        } else if tail.starts_with("&lt;") {
            ('<', 4)
        } else if tail.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        out.push(decoded);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// `text` without the bot's own mentions (`<@BOT>`, `<@BOT|label>` and the
/// whitespace before them), trimmed: the invocation is not part of the ask.
pub fn strip_bot_mention(text: &str, bot_id: &str) -> String {
    if bot_id.is_empty() {
        return text.trim().to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let plain = format!("<@{bot_id}>");
    let labelled = format!("<@{bot_id}|");
    while let Some(at) = rest.find("<@") {
        let tail = &rest[at..];
        let end = if tail.starts_with(&plain) {
            Some(plain.len())
        } else if tail.starts_with(&labelled) {
            tail.find('>').map(|e| e + 1)
        } else {
            None
        };
        match end {
            Some(end) => {
                out.push_str(rest[..at].trim_end());
                rest = &tail[end..];
            }
            None => {
                out.push_str(&rest[..at + 2]);
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// Slack's message text as the user meant it: `<@U1>` → `@Name` (from
/// `users`, id → display name; the id when unknown), `<#C1|general>` →
/// `#general`, `<!subteam^S1|team>` → `@team`, `<!here>` → `@here`,
/// `<url|label>` → `label (url)`, `<url>` → `url`, entities decoded.
pub fn resolve_inbound(text: &str, users: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..open]));
        let tail = &rest[open + 1..];
        let Some(close) = tail.find('>') else {
            out.push_str(&decode_entities(&rest[open..]));
            return out;
        };
        out.push_str(&resolve_token(&tail[..close], users));
        rest = &tail[close + 1..];
    }
    out.push_str(&decode_entities(rest));
    out
}

fn resolve_token(token: &str, users: &HashMap<String, String>) -> String {
    let (target, label) = match token.split_once('|') {
        Some((target, label)) => (target, Some(decode_entities(label))),
        None => (token, None),
    };
    if let Some(id) = target.strip_prefix('@') {
        // The display name is preferred to a label, which may be stale.
        return match users.get(id) {
            Some(name) if !name.is_empty() => format!("@{name}"),
            _ => format!("@{id}"),
        };
    }
    if let Some(id) = target.strip_prefix('#') {
        return match label.filter(|l| !l.is_empty()) {
            Some(name) => format!("#{name}"),
            None => format!("#{id}"),
        };
    }
    if let Some(special) = target.strip_prefix('!') {
        if let Some(id) = special.strip_prefix("subteam^") {
            return match label.filter(|l| !l.is_empty()) {
                Some(handle) => format!("@{}", handle.trim_start_matches('@')),
                None => format!("@{id}"),
            };
        }
        if BROADCASTS.contains(&special) {
            return format!("@{special}");
        }
        // `<!date^…|fallback>` and the like: the fallback text.
        return match label {
            Some(label) => label,
            None => format!("<{}>", decode_entities(token)),
        };
    }
    let url = decode_entities(target);
    match label {
        Some(label) if !label.is_empty() && label != url => format!("{label} ({url})"),
        _ => url,
    }
}

/// Users a rendered answer may mention, from their Slack profile fields;
/// an empty field is skipped when matching.
pub fn participant(id: &str, display: &str, real: &str, user_name: &str) -> Participant {
    Participant {
        id: id.to_string(),
        names: vec![display.to_string(), real.to_string(), user_name.to_string()],
    }
}

#[cfg(test)]
#[path = "mentions_tests.rs"]
mod tests;

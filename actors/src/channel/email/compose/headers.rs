//! Header values of a reply that need care: mailboxes taken from raw header
//! text, message ids normalised to `<…>`, the `Auto-Submitted` marker and
//! the `Date` from the caller's clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::Mailbox;
use lettre::message::header::{HeaderName, HeaderValue};
use mail_parser::MessageParser;

/// The first mailbox in an address header value as written in a message
/// (`"Jane" <jane@example.com>`, RFC 2047 display names, comments), or
/// `None` when it names no valid address. Parsed with mail-parser, which
/// decodes what lettre's own parser would keep encoded.
pub fn mailbox(raw: &str) -> Option<Mailbox> {
    let raw: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let header = format!("To: {}\r\n\r\n", raw.trim());
    let message = MessageParser::default().parse(header.as_bytes())?;
    let first = message.to()?.first()?;
    let email = first.address()?.trim().parse().ok()?;
    let name = first
        .name()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    Some(Mailbox::new(name, email))
}

/// `id` with control characters dropped and angle brackets added when
/// missing; `None` when nothing is left.
pub fn angle_id(id: &str) -> Option<String> {
    let id: String = id.chars().filter(|c| !c.is_control()).collect();
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    if id.starts_with('<') && id.ends_with('>') {
        return Some(id.to_string());
    }
    let bare = id.trim_start_matches('<').trim_end_matches('>');
    Some(format!("<{bare}>"))
}

/// `References` tokens, each normalised by [`angle_id`]; `None` when none.
pub fn angle_ids(ids: &str) -> Option<String> {
    let tokens: Vec<String> = ids.split_whitespace().filter_map(angle_id).collect();
    (!tokens.is_empty()).then(|| tokens.join(" "))
}

/// `Auto-Submitted: auto-replied` (RFC 3834): well-behaved responders do
/// not answer it, which keeps out-of-office loops from starting.
pub fn auto_submitted() -> HeaderValue {
    HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-replied".to_string(),
    )
}

/// The instant `unix_seconds` names; times before 1970 clamp to the epoch.
pub fn date(unix_seconds: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(unix_seconds).unwrap_or(0))
}

/// A one-line header text: control characters (CR, LF, tab…) become spaces.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

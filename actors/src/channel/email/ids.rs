//! How an email names its conversation (reference channels.md E7, E13):
//! our Message-IDs embed the conversation id
//! (`<airut.<conv>.<unix-seconds>.<8 hex>@<domain>>`), and reply subjects
//! carry `[ID:<conv>]`. Pure functions, no I/O.

use crate::intake::ConversationId;

/// Our Message-ID for a message of `conversation`, with its angle brackets.
/// `nonce` is 4 random bytes the caller draws (kept out so this stays pure).
pub fn message_id(
    conversation: &ConversationId,
    unix_seconds: i64,
    nonce: u32,
    domain: &str,
) -> String {
    let domain = if domain.is_empty() {
        "localhost"
    } else {
        domain
    };
    format!("<airut.{conversation}.{unix_seconds}.{nonce:08x}@{domain}>")
}

/// The conversation an Airut Message-ID names: `<airut.<8 lowercase
/// hex>.<word chars and dots>@…>`; the domain does not matter.
pub fn conversation_in_message_id(id: &str) -> Option<ConversationId> {
    let inner = id.trim().strip_prefix('<')?.strip_suffix('>')?;
    let (local, domain) = inner.split_once('@')?;
    if domain.is_empty() {
        return None;
    }
    let rest = local.strip_prefix("airut.")?;
    let (conv, tail) = rest.split_once('.')?;
    if tail.is_empty()
        || !tail
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    ConversationId::parse(conv)
}

/// The conversation a reply names: `In-Reply-To` first, then the
/// `References` tokens newest (last) first.
pub fn conversation_in_thread_headers(
    in_reply_to: Option<&str>,
    references: Option<&str>,
) -> Option<ConversationId> {
    let replied = in_reply_to.into_iter().flat_map(str::split_whitespace);
    let referenced: Vec<&str> = references
        .into_iter()
        .flat_map(str::split_whitespace)
        .collect();
    replied
        .chain(referenced.into_iter().rev())
        .find_map(conversation_in_message_id)
}

/// `[ID:xxxxxxxx]` (8 lowercase hex, first occurrence) in a decoded subject.
pub fn conversation_in_subject(subject: &str) -> Option<ConversationId> {
    let mut rest = subject;
    while let Some(at) = rest.find("[ID:") {
        let after = &rest[at + 4..];
        if let Some(candidate) = after.get(..9)
            && candidate.ends_with(']')
            && let Some(id) = ConversationId::parse(&candidate[..8])
        {
            return Some(id);
        }
        rest = after;
    }
    None
}

/// The subject of our reply: leading `re: ` (any case, with the space)
/// stripped repeatedly; `[ID:<conv>]` added unless already there.
pub fn reply_subject(original: &str, conversation: &ConversationId) -> String {
    let mut rest = original.trim_start();
    while rest
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("re: "))
    {
        rest = rest.get(4..).unwrap_or_default().trim_start();
    }
    let tag = format!("[ID:{conversation}]");
    if rest.contains(&tag) {
        format!("Re: {rest}")
    } else {
        format!("Re: {tag} {rest}")
    }
}

/// `References` of our reply: the original's tokens plus its Message-ID.
pub fn reply_references(message_id: Option<&str>, references: Option<&str>) -> Option<String> {
    let mut tokens: Vec<&str> = references
        .into_iter()
        .flat_map(str::split_whitespace)
        .collect();
    if let Some(id) = message_id.map(str::trim).filter(|id| !id.is_empty()) {
        tokens.push(id);
    }
    (!tokens.is_empty()).then(|| tokens.join(" "))
}

#[cfg(test)]
#[path = "ids_tests.rs"]
mod tests;

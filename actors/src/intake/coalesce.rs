//! Merging the follow-ups that arrived while a task ran into one next task.
//!
//! Pure: the conversation actor takes its queued messages (in journal order)
//! and gets one request back. Each message keeps its own attribution line so
//! the agent can tell who said what and when.

use std::collections::HashSet;

use jiff::Timestamp;

use super::message::{Attachment, InboundMessage};

/// One message's contribution to a merged request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributedEntry {
    pub sender_display: String,
    pub received_at: Timestamp,
    pub body: String,
}

/// Several messages as one task's request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergedRequest {
    /// In arrival order.
    pub entries: Vec<AttributedEntry>,
    /// Every attachment of every message, renamed where two would share a
    /// name under `/inbox/`.
    pub attachments: Vec<Attachment>,
    /// The latest message's hint: the sender's most recent wish.
    pub model_hint: Option<String>,
    /// The first subject, the one that named the thread; it only matters
    /// for a new conversation.
    pub subject: Option<String>,
}

impl MergedRequest {
    /// Nothing for the agent to act on (the caller answers with an "empty
    /// message" error instead of running a task). The subject counts only
    /// for a new conversation: later tasks do not see it (gateway.md G6).
    pub fn is_blank(&self, new_conversation: bool) -> bool {
        let bodies_blank = self
            .entries
            .iter()
            .all(|entry| entry.body.trim().is_empty());
        let subject_blank = !new_conversation
            || self
                .subject
                .as_deref()
                .is_none_or(|subject| subject.trim().is_empty());
        bodies_blank && subject_blank
    }
}

/// Merges `pending`, which must be in arrival order (journal order; the
/// channels' clocks are not comparable, so `received_at` is not re-sorted).
pub fn coalesce(pending: &[InboundMessage]) -> MergedRequest {
    let mut merged = MergedRequest::default();
    let mut taken = HashSet::new();
    for msg in pending {
        merged.entries.push(AttributedEntry {
            sender_display: display_name(msg),
            received_at: msg.received_at,
            body: msg.body.clone(),
        });
        for attachment in &msg.attachments {
            let name = unique_name(&attachment.name, &mut taken);
            merged.attachments.push(Attachment {
                name,
                path: attachment.path.clone(),
            });
        }
        if let Some(hint) = msg
            .model_hint
            .as_ref()
            .filter(|hint| !hint.trim().is_empty())
        {
            merged.model_hint = Some(hint.clone());
        }
        if merged.subject.is_none() {
            merged.subject = msg.subject.clone().filter(|s| !s.trim().is_empty());
        }
    }
    merged
}

fn display_name(msg: &InboundMessage) -> String {
    if msg.sender.display.trim().is_empty() {
        msg.sender.id.clone()
    } else {
        msg.sender.display.clone()
    }
}

/// `name`, or `stem-1.ext`, `stem-2.ext`, … if taken. Channels use it
/// for the files of one message; coalescing for the files of one task.
pub(crate) fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    if taken.insert(name.to_string()) {
        return name.to_string();
    }
    // A leading dot is part of the stem (`.env` has no extension).
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let mut n = 1u32;
    loop {
        let candidate = format!("{stem}-{n}{ext}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;

//! The prompt of an ordinary task: channel context, then the user's
//! messages, each with who sent it and when.

use crate::config::ChannelKind;
use crate::intake::{AttributedEntry, MergedRequest};

use super::context::channel_context;

/// Everything a task prompt is made from.
#[derive(Debug, Clone, Copy)]
pub struct PromptInput<'a> {
    pub channel: ChannelKind,
    /// The conversation has no session yet; only then is the subject shown.
    pub new_conversation: bool,
    pub request: &'a MergedRequest,
    /// Names under `/inbox/` as actually saved for this task (the
    /// conversation actor may have renamed them against older files).
    pub inbox_files: &'a [String],
}

/// `context + "\n\n" + attributed messages`.
pub fn build_prompt(input: &PromptInput<'_>) -> String {
    let subject = if input.new_conversation {
        input.request.subject.as_deref()
    } else {
        None
    };
    let context = channel_context(input.channel, subject, input.inbox_files);
    format!("{context}\n\n{}", compose_body(&input.request.entries))
}

/// `[<sender> YYYY-MM-DD HH:MM:SS UTC]\n<body>` per message, blank line
/// between. A single message gets the same shape, so the agent always sees
/// who is speaking.
pub fn compose_body(entries: &[AttributedEntry]) -> String {
    entries
        .iter()
        .map(|entry| {
            format!(
                "[{} {}]\n{}",
                entry.sender_display,
                entry.received_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                entry.body.trim_end()
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

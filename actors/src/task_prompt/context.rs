//! The channel context: what the agent must know about where it runs and
//! how its answer reaches the user, placed before the user's words.

use crate::config::ChannelKind;

/// Rules shared by every channel: what survives, where files go, which
/// tools cannot work without a live user.
const CONTAINER_RULES: &str = "\
Only /workspace (the repository), /inbox (files from the user) and /storage \
(your own space, kept between replies) survive; everything else in this \
container is reset after you reply.
To send files back, write them directly into /outbox (no subdirectories); \
they are attached to your reply.
Tools that wait for the user (questions, plan mode) do not work here: ask in \
your reply instead, and the user will answer by replying.";

const EMAIL_INTRO: &str = "\
A user sent you this request by email. They receive your final message as \
the reply email, so write it for them; Markdown is rendered.";

const SLACK_INTRO: &str = "\
A user sent you this request in Slack. They see your final message as a \
reply in the thread; Markdown is converted to Slack formatting, but tables \
are not shown, so use lists instead.";

/// The fixed part of the context for `channel`.
pub fn base_context(channel: ChannelKind) -> String {
    let intro = match channel {
        ChannelKind::Email => EMAIL_INTRO,
        ChannelKind::Slack => SLACK_INTRO,
    };
    format!("{intro}\n{CONTAINER_RULES}")
}

/// The full context for one task: the base text, the subject when the
/// conversation is new (a reply's subject is only `Re: …` noise), and the
/// files saved to `/inbox/` for this task.
pub fn channel_context(
    channel: ChannelKind,
    new_conversation_subject: Option<&str>,
    inbox_files: &[String],
) -> String {
    let mut context = base_context(channel);
    if let Some(subject) = new_conversation_subject.filter(|s| !s.trim().is_empty()) {
        context.push_str("\n\nSubject: ");
        context.push_str(subject.trim());
    }
    if !inbox_files.is_empty() {
        context.push_str("\n\nThe user attached files, saved in /inbox/: ");
        context.push_str(&inbox_files.join(", "));
        context.push('.');
    }
    context
}

//! A fresh session for a conversation whose session cannot be resumed.
//!
//! When resuming fails because the context is full or the session file is
//! broken, the task is retried once without `--resume`, with a prompt that
//! carries over what the new session can know: the channel context, the
//! agent's last good reply and the user's new message.

/// Longest part of the last reply carried into the recovery prompt.
const MAX_LAST_REPLY_CHARS: usize = 3000;

/// One Claude invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRun {
    pub prompt: String,
    pub model: String,
    pub effort: Option<String>,
    /// Session to `--resume`; `None` starts a fresh one.
    pub resume_session: Option<String>,
}

/// Why the session could not be resumed; the agent is told the real cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryCause {
    PromptTooLong,
    SessionCorrupted,
}

#[derive(Debug, Clone, Copy)]
pub struct RecoveryInput<'a> {
    pub cause: RecoveryCause,
    /// As built for the failed run.
    pub channel_context: &'a str,
    /// The agent's last successful, non-empty reply, if any.
    pub last_reply: Option<&'a str>,
    /// The attributed user messages of the failed run.
    pub request_body: &'a str,
}

/// The retry of `failed`, or `None` if `failed` was already a fresh session
/// (then the failure is an ordinary one: retrying would loop). Model and
/// effort are kept; the reference dropped `--effort` here (W-17).
pub fn recovery_run(failed: &TaskRun, input: &RecoveryInput<'_>) -> Option<TaskRun> {
    failed.resume_session.as_ref()?;
    Some(TaskRun {
        prompt: recovery_prompt(input),
        model: failed.model.clone(),
        effort: failed.effort.clone(),
        resume_session: None,
    })
}

pub fn recovery_prompt(input: &RecoveryInput<'_>) -> String {
    let cause = match input.cause {
        RecoveryCause::PromptTooLong => "it grew past the model's context limit",
        RecoveryCause::SessionCorrupted => "its saved history was rejected as invalid",
    };
    let mut prompt = format!(
        "{}\n\nThis is a new session: the previous session of this conversation could not \
         be resumed because {cause}, so you do not remember it. The workspace may hold work \
         in progress from it.",
        input.channel_context
    );
    if let Some(reply) = input.last_reply.filter(|r| !r.trim().is_empty()) {
        prompt.push_str("\n\nYour last reply to the user was:\n\n");
        prompt.push_str(&truncate_chars(reply.trim_end(), MAX_LAST_REPLY_CHARS));
    }
    prompt.push_str(
        "\n\nTell the user plainly that earlier context was lost. Look at the workspace \
         (git status, git log, recently changed files) to pick up where things stand, and \
         ask the user if the request is unclear without that context.",
    );
    prompt.push_str("\n\nThe user's new message:\n\n");
    prompt.push_str(input.request_body);
    prompt
}

/// Cuts on a character boundary, never inside a UTF-8 sequence.
fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}\n[...truncated]", &text[..cut]),
        None => text.to_string(),
    }
}

//! Which [`Outcome`] a run had. Decided from the run facts and the
//! structured fields of the last `result` event, never by searching tool
//! output or assistant text for words.
//!
//! The checks, first match wins:
//!
//! 1. stopped → `Stopped`
//! 2. timed out → `Timeout`
//! 3. killed for memory → `OutOfMemory`
//! 4. no result event → `SessionUnresumable` if the run was a resume and a
//!    stderr line starts with `No conversation found with session ID`
//!    (perhaps after `Error: `);
//!    otherwise `ContainerFailed`
//! 5. last result is `success` without `is_error` → `Success` (whatever
//!    the exit code: the result is the CLI's own verdict)
//! 6. prompt too long (below) → `PromptTooLong`
//! 7. API error 429 (or, without a status, a rate-limit type) →
//!    `RateLimited`
//! 8. resumed run and an API 4xx that is not an account problem (401, 402,
//!    403, 407, authentication, permission or billing) → `SessionUnresumable`
//! 9. anything else → `AgentError`
//!
//! "Prompt too long" is any of: `terminal_reason: "prompt_too_long"`
//! (Claude Code 2.1.330); an API 400 whose embedded body says
//! `prompt is too long` (older CLIs' `API Error: 400 {json}`); an error
//! result whose `result` text starts with `Prompt is too long` (the CLI's
//! own message in every version seen).

use super::{Outcome, RunFacts};
use crate::sandbox::stream_json::{ApiError, ResultFields};

/// What the CLI prints on stderr when `--resume` names a session it cannot
/// find.
const SESSION_NOT_FOUND: &str = "No conversation found with session ID";

/// Classifies a run. `last_result` is the last main-agent result event;
/// `assistant_api_error` is the API error of the last main-agent API error
/// message, used when the result itself carries none.
pub fn classify(
    last_result: Option<&ResultFields>,
    assistant_api_error: Option<&ApiError>,
    facts: &RunFacts,
) -> Outcome {
    if facts.stopped {
        return Outcome::Stopped;
    }
    if facts.timed_out {
        return Outcome::Timeout;
    }
    if facts.oom_killed {
        return Outcome::OutOfMemory;
    }
    let Some(result) = last_result else {
        return if facts.resumed && session_not_found(&facts.stderr_tail) {
            Outcome::SessionUnresumable
        } else {
            Outcome::ContainerFailed
        };
    };
    if result.is_success() {
        return Outcome::Success;
    }
    let api_error = decisive_api_error(Some(result), assistant_api_error);
    if is_prompt_too_long(result, api_error) {
        return Outcome::PromptTooLong;
    }
    let Some(api_error) = api_error else {
        return Outcome::AgentError;
    };
    if api_error.is_rate_limit() {
        return Outcome::RateLimited;
    }
    if facts.resumed && api_error.is_client_error() && !api_error.is_account_problem() {
        return Outcome::SessionUnresumable;
    }
    Outcome::AgentError
}

/// The API error that ended the run: the result's own, else the one of
/// the last API error message. `None` for a successful result.
pub fn decisive_api_error<'a>(
    last_result: Option<&'a ResultFields>,
    assistant_api_error: Option<&'a ApiError>,
) -> Option<&'a ApiError> {
    let result = last_result?;
    if result.is_success() {
        return None;
    }
    result.api_error.as_ref().or(assistant_api_error)
}

/// See the module documentation.
pub fn is_prompt_too_long(result: &ResultFields, api_error: Option<&ApiError>) -> bool {
    if result.is_success() {
        return false;
    }
    let by_reason = result.terminal_reason.as_deref() == Some("prompt_too_long");
    let by_body = api_error.is_some_and(|error| {
        error.status == Some(400)
            && error
                .message
                .as_deref()
                .is_some_and(|message| starts_with_ignoring_case(message, "prompt is too long"))
    });
    let by_cli_text = result
        .result_text
        .as_deref()
        .is_some_and(|text| text.trim_start().starts_with("Prompt is too long"));
    by_reason || by_body || by_cli_text
}

fn session_not_found(stderr_tail: &[String]) -> bool {
    stderr_tail
        .iter()
        .map(|line| line.trim_start())
        .any(|line| {
            let line = line.strip_prefix("Error: ").unwrap_or(line);
            line.starts_with(SESSION_NOT_FOUND)
        })
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

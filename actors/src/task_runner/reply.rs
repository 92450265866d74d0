//! The text a task hands back to the user: the response with a usage
//! footer, or an error reply per outcome. Pure; see `spec/task-runner.md`.

use std::time::Duration;

use crate::sandbox::outcome::reply::NO_OUTPUT;
use crate::sandbox::outcome::{Outcome, TaskResult};

/// What the reply text depends on besides the result.
#[derive(Debug, Clone, Default)]
pub struct ReplyContext<'a> {
    pub model: &'a str,
    pub timeout: Duration,
    /// The configured memory limit as written (`8g`), if any.
    pub memory_limit: Option<&'a str>,
}

/// The reply for `result`: on success the response and the footer, else an
/// error text for the outcome.
pub fn reply_text(result: &TaskResult, context: &ReplyContext<'_>) -> String {
    if result.outcome == Outcome::Success {
        let body = result
            .response_text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(NO_OUTPUT);
        return format!("{body}\n\n{}", usage_footer(result, context.model));
    }
    error_text(result, context)
}

/// `— opus · 12.3 s · $0.0123 · 1.2k in / 340 out tokens`; the cost is left
/// out when unknown or zero (a subscription), web tool counts are added when
/// there were any. Input tokens include cache reads and writes.
pub fn usage_footer(result: &TaskResult, model: &str) -> String {
    let mut parts = vec![
        model.to_string(),
        format!("{:.1} s", result.duration_ms as f64 / 1000.0),
    ];
    if let Some(cost) = result.total_cost_usd.filter(|c| *c > 0.0) {
        parts.push(format!("${cost:.4}"));
    }
    let usage = &result.usage;
    let input =
        usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    parts.push(format!(
        "{} in / {} out tokens",
        tokens(input),
        tokens(usage.output_tokens)
    ));
    if result.web_search_count > 0 {
        parts.push(format!("{} web searches", result.web_search_count));
    }
    if result.web_fetch_count > 0 {
        parts.push(format!("{} web fetches", result.web_fetch_count));
    }
    format!("— {}", parts.join(" · "))
}

/// `340`, `1.2k`, `3.4M`.
pub fn tokens(count: u64) -> String {
    match count {
        0..1_000 => count.to_string(),
        1_000..1_000_000 => format!("{:.1}k", count as f64 / 1_000.0),
        _ => format!("{:.1}M", count as f64 / 1_000_000.0),
    }
}

fn error_text(result: &TaskResult, context: &ReplyContext<'_>) -> String {
    let summary = result
        .error_summary
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    let with_summary = |text: String| match summary {
        Some(summary) => format!("{text}\n\nDetails:\n```\n{summary}\n```"),
        None => text,
    };
    match result.outcome {
        Outcome::Success => String::new(),
        Outcome::Timeout => format!(
            "The task was stopped after reaching its time limit of {}. The work done so far \
             is kept in the workspace; reply to continue from there.",
            human_duration(context.timeout)
        ),
        Outcome::Stopped => "The task was stopped on request. The work done so far is kept \
                             in the workspace; reply to continue."
            .to_string(),
        Outcome::OutOfMemory => match context.memory_limit {
            Some(limit) => format!(
                "The task ran out of memory: the sandbox is limited to {limit}. Ask for a \
                 lighter approach, or raise resource_limits.memory in the repo's config."
            ),
            None => "The task ran out of memory in the sandbox. Ask for a lighter approach, \
                     or set a larger resource_limits.memory in the repo's config."
                .to_string(),
        },
        Outcome::PromptTooLong => "This conversation no longer fits the model's context \
                                   window, even in a fresh session. Please start a new \
                                   conversation."
            .to_string(),
        Outcome::RateLimited => "The model API is rate limiting requests right now. Please \
                                 try again later."
            .to_string(),
        Outcome::AgentError | Outcome::SessionUnresumable => with_summary(
            "Claude reported an error and could not finish the task. Send \
                          your message again to retry."
                .to_string(),
        ),
        Outcome::ContainerFailed => with_summary(
            "The sandbox container failed before Claude finished. Send your message again \
             to retry."
                .to_string(),
        ),
    }
}

fn human_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0..120 => format!("{secs} seconds"),
        120..7200 => format!("{} minutes", secs / 60),
        _ => format!("{:.1} hours", secs as f64 / 3600.0),
    }
}

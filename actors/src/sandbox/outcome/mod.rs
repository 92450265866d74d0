//! From the events of one Claude Code run, and the facts of how its
//! container ended, to a [`TaskResult`]: the [`Outcome`], the reply text or
//! an error summary, and the usage figures.
//!
//! Pure: no I/O. Feed every parsed event to [`ResultBuilder::on_event`] as
//! it arrives, then call [`ResultBuilder::finish`] once with [`RunFacts`].
//!
//! - [`classify`]: which [`Outcome`], from structured fields only.
//! - [`reply`]: the reply text and the error summary.
//! - [`builder`]: [`ResultBuilder`], which ties them together.
//!
//! See `spec/stream-json.md`.

pub mod builder;
pub mod classify;
pub mod reply;

#[cfg(test)]
mod builder_tests;
#[cfg(test)]
mod classify_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod reply_tests;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use super::stream_json::Usage;
pub use builder::ResultBuilder;
pub use classify::classify;

/// How a run ended. See [`classify`] for the order of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The last result event is `success` without `is_error`.
    Success,
    /// Claude Code reported an error that no more specific class covers:
    /// an error subtype (`error_max_turns`, ...), a 5xx or 529 after the
    /// CLI's own retries, an authentication or billing failure, a 4xx on a
    /// fresh session.
    AgentError,
    /// The run hit its time limit.
    Timeout,
    /// The conversation no longer fits the model's context window.
    PromptTooLong,
    /// A resumed session was refused by the API (a 4xx other than 429 and
    /// the account errors) or could not be found by the CLI; a fresh
    /// session may work.
    SessionUnresumable,
    /// The API answered 429 until the CLI gave up.
    RateLimited,
    /// The container was killed for running out of memory.
    OutOfMemory,
    /// Claude Code ended without a result event.
    ContainerFailed,
    /// Someone stopped the run.
    Stopped,
}

impl Outcome {
    /// The stored and logged name (`success`, `prompt_too_long`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::AgentError => "agent_error",
            Outcome::Timeout => "timeout",
            Outcome::PromptTooLong => "prompt_too_long",
            Outcome::SessionUnresumable => "session_unresumable",
            Outcome::RateLimited => "rate_limited",
            Outcome::OutOfMemory => "out_of_memory",
            Outcome::ContainerFailed => "container_failed",
            Outcome::Stopped => "stopped",
        }
    }

    pub fn is_success(self) -> bool {
        self == Outcome::Success
    }

    /// Outcomes after which a resumed run is worth one retry with a fresh
    /// session (the caller checks that the run was a resume).
    pub fn calls_for_fresh_session(self) -> bool {
        matches!(self, Outcome::PromptTooLong | Outcome::SessionUnresumable)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What the runner knows about how the container ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// Exit code of Claude Code (the container), if it exited.
    pub exit_code: Option<i64>,
    pub timed_out: bool,
    pub stopped: bool,
    pub oom_killed: bool,
    /// The run was started with `--resume`.
    pub resumed: bool,
    /// The last lines Claude Code wrote to stderr, oldest first.
    pub stderr_tail: Vec<String>,
    /// Wall-clock time of the run; used for `duration_ms` when no result
    /// event reports one.
    pub wall_duration_ms: u64,
}

/// The result of one run, as stored with the reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub outcome: Outcome,
    /// From the last result event, else the `system`/`init` event, else any
    /// event that named one.
    pub session_id: Option<String>,
    /// The reply; set on `Success` only.
    pub response_text: Option<String>,
    /// Up to the last 10 lines explaining a failure; never set on
    /// `Success`.
    pub error_summary: Option<String>,
    /// Token counts of the last result event.
    pub usage: Usage,
    /// What this run cost (see `spec/stream-json.md`: not the session
    /// total the CLI reports on a resumed run).
    pub total_cost_usd: Option<f64>,
    /// The CLI's `total_cost_usd` of the last result: the whole session's
    /// cost so far when the run was a resume.
    pub session_cost_usd: Option<f64>,
    /// Turns, summed over the run's result events.
    pub num_turns: u64,
    /// Summed over the run's result events, or the wall time if none gave
    /// one.
    pub duration_ms: u64,
    /// `WebSearch` / `WebFetch` tool calls, of the main agent and its
    /// subagents.
    pub web_search_count: u64,
    pub web_fetch_count: u64,
    /// True for every outcome other than `Success`.
    pub is_error: bool,
    /// HTTP status of the API failure that ended the run, if any.
    pub api_error_status: Option<u16>,
}

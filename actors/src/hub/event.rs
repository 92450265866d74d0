//! Every state change of the gateway, as published to the dashboard hub
//! (DESIGN §3). Serializable: the dashboard streams them as JSON and the
//! hub folds them into task records it persists.

use serde::{Deserialize, Serialize};

use crate::intake::{ConversationId, IntakeId};
use crate::sandbox::stream_json::TodoItem;

/// Which task an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRef {
    pub repo_id: String,
    pub conversation_id: ConversationId,
    /// `<conversation>-<n>`.
    pub task_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BootPhase {
    Starting,
    /// Leftover containers/networks of the previous process are removed.
    Cleanup,
    Repos,
    Ready,
    ShuttingDown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RepoStatus {
    Starting,
    Live,
    /// `retry_at_ms`: when the gateway tries again (unix ms).
    Failed {
        error: String,
        retry_at_ms: i64,
    },
    /// Removed from the config by a reload (and stopped once idle).
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GatewayEvent {
    Boot {
        phase: BootPhase,
    },
    Repo {
        repo_id: String,
        status: RepoStatus,
    },
    /// A message is journaled and waits for its conversation.
    MessageQueued {
        repo_id: String,
        conversation_id: ConversationId,
        intake_id: IntakeId,
        sender: String,
        title: Option<String>,
        at_ms: i64,
    },
    /// A task was made of these messages and waits for a slot under
    /// `execution.max_concurrent`.
    TaskQueued {
        task: TaskRef,
        messages: Vec<IntakeId>,
        sender: String,
        title: Option<String>,
        model: String,
        effort: Option<String>,
        at_ms: i64,
    },
    /// The task holds a slot: git, image, network, container.
    TaskStarted {
        task: TaskRef,
        resumed_session: Option<String>,
        at_ms: i64,
    },
    /// One line of Claude's stream-json, as Claude wrote it.
    Claude {
        task: TaskRef,
        event: serde_json::Value,
    },
    /// The agent's todo list changed (the whole list).
    Plan {
        task: TaskRef,
        todos: Vec<TodoItem>,
    },
    TaskFinished {
        task: TaskRef,
        /// `success`, `timeout`, `stopped`, … (`Outcome::as_str`), or
        /// `error` when the task could not run.
        outcome: String,
        /// Why it could not run, for `error`.
        error: Option<String>,
        session_id: Option<String>,
        cost_usd: Option<f64>,
        replied: bool,
        at_ms: i64,
    },
    /// Journaled messages that ended without a task (empty, unreadable, or
    /// dropped by a stop); their senders got an error reply.
    MessagesClosed {
        repo_id: String,
        conversation_id: ConversationId,
        intake_ids: Vec<IntakeId>,
        reason: String,
    },
    /// A channel dropped an inbound message without a task: the sender
    /// is never told (so spoofers learn nothing), the operator is.
    MessageRejected {
        repo_id: String,
        channel: String,
        /// Who the message claimed to be from, as received.
        sender: String,
        /// `unauthenticated`, `unauthorized` or `malformed`.
        kind: String,
        reason: String,
        at_ms: i64,
    },
    /// A channel's connection state (`connected`, `degraded`, `stopped`).
    ChannelHealth {
        repo_id: String,
        channel: String,
        state: String,
        error: Option<String>,
    },
    /// Housekeeping removed an idle conversation.
    ConversationRemoved {
        repo_id: String,
        conversation_id: ConversationId,
    },
}

impl GatewayEvent {
    pub fn task(&self) -> Option<&TaskRef> {
        match self {
            GatewayEvent::TaskQueued { task, .. }
            | GatewayEvent::TaskStarted { task, .. }
            | GatewayEvent::Claude { task, .. }
            | GatewayEvent::Plan { task, .. }
            | GatewayEvent::TaskFinished { task, .. } => Some(task),
            _ => None,
        }
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

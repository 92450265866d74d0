//! What the journal keeps in the store, and under which keys.
//!
//! Everything lives in the `intake` tree, told apart by key prefix, so a
//! scan of one prefix never meets a record of another type. Repo-scoped keys
//! carry the repo id with its length in front: repo ids and channel keys are
//! free text, and the length makes `a/b`+`c` and `a`+`b/c` different keys.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::message::{ConversationId, InboundMessage};
use crate::store::{Record, TreeName};

/// Position of a message in the journal; allocation order is arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntakeId(pub u64);

impl fmt::Display for IntakeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a message is in its life. Terminal states are `Done`, `Failed`
/// and `Interrupted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MessageState {
    Queued,
    Running {
        task_id: String,
    },
    Done {
        task_id: String,
    },
    Failed {
        reason: String,
    },
    /// The process stopped while the task ran and the sender was told so.
    Interrupted {
        task_id: String,
    },
}

impl MessageState {
    pub fn name(&self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Running { .. } => "running",
            MessageState::Done { .. } => "done",
            MessageState::Failed { .. } => "failed",
            MessageState::Interrupted { .. } => "interrupted",
        }
    }
}

/// One journaled message with the conversation intake gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: IntakeId,
    pub conversation_id: ConversationId,
    pub message: InboundMessage,
    pub state: MessageState,
}

impl Record for JournalEntry {
    const TREE: TreeName = TreeName::Intake;
    const SCHEMA_VERSION: u16 = 1;
}

/// A dedupe key already seen, and the message it produced.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct DedupeMark {
    pub id: IntakeId,
}

impl Record for DedupeMark {
    const TREE: TreeName = TreeName::Intake;
    const SCHEMA_VERSION: u16 = 1;
}

/// A channel thread and the conversation it belongs to.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ThreadLink {
    pub conversation_id: ConversationId,
}

impl Record for ThreadLink {
    const TREE: TreeName = TreeName::Intake;
    const SCHEMA_VERSION: u16 = 1;
}

/// An allocated conversation id. Kept for good so an id is never handed out
/// twice, and so a hint is trusted only for the repo that owns the id.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ConversationClaim {
    pub repo_id: String,
}

impl Record for ConversationClaim {
    const TREE: TreeName = TreeName::Intake;
    const SCHEMA_VERSION: u16 = 1;
}

/// Index of unfinished messages, so boot reads only those and not the
/// whole history.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct OpenMark {}

impl Record for OpenMark {
    const TREE: TreeName = TreeName::Intake;
    const SCHEMA_VERSION: u16 = 1;
}

/// The next journal id; in `meta` because it is a counter, not a message.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct IntakeCounter {
    pub next: u64,
}

impl Record for IntakeCounter {
    const TREE: TreeName = TreeName::Meta;
    const SCHEMA_VERSION: u16 = 1;
}

pub(super) const COUNTER_KEY: &str = "intake_next_id";
pub(super) const OPEN_PREFIX: &str = "open/";

pub(super) fn message_key(id: IntakeId) -> String {
    // Zero-padded so key order is numeric order.
    format!("msg/{:020}", id.0)
}

pub(super) fn open_key(id: IntakeId) -> String {
    format!("{OPEN_PREFIX}{:020}", id.0)
}

pub(super) fn dedupe_key(repo_id: &str, key: &str) -> String {
    format!("dedupe/{}:{repo_id}:{key}", repo_id.len())
}

pub(super) const THREAD_PREFIX: &str = "thread/";

pub(super) fn thread_key(repo_id: &str, key: &str) -> String {
    format!("{THREAD_PREFIX}{}:{repo_id}:{key}", repo_id.len())
}

pub(super) fn claim_key(id: &ConversationId) -> String {
    format!("conv/{id}")
}

//! What survives of a conversation between processes: the `conversations`
//! tree, keyed by conversation id. The actor writes it after every change
//! that a restart must not lose (the session id as soon as Claude reports
//! it, the model, the last reply, the task counter), so a conversation
//! actor restarted by its repo, or by the next boot, carries on where the
//! last one stopped.

use serde::{Deserialize, Serialize};

use crate::intake::ConversationId;
use crate::store::{Record, Store, StoreError, TreeName};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub repo_id: String,
    /// `email` or `slack`.
    pub channel: String,
    /// Subject of the first message, when the channel has subjects.
    pub title: Option<String>,
    pub created_at_ms: i64,
    /// Last message received or task finished; what housekeeping ages by.
    pub last_activity_ms: i64,
    /// Claude's session, to `--resume` on the next task.
    pub session_id: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    /// The agent's last successful answer (the recovery prompt quotes it).
    pub last_reply: Option<String>,
    /// The user got the "started working" acknowledgement.
    pub acknowledged: bool,
    /// Tasks started so far; task ids are `<conversation>-<n>`, n from 1.
    pub tasks_started: u32,
}

impl Record for ConversationRecord {
    const TREE: TreeName = TreeName::Conversations;
    const SCHEMA_VERSION: u16 = 1;
}

impl ConversationRecord {
    pub fn load(
        store: &Store,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        store.get(id.as_str())
    }

    /// Writes and flushes: callers are about to act on it (reply, run).
    pub fn save(&self, store: &Store, id: &ConversationId) -> Result<(), StoreError> {
        store.put(id.as_str(), self)?;
        store.flush()
    }

    pub fn remove(store: &Store, id: &ConversationId) -> Result<bool, StoreError> {
        store.remove::<ConversationRecord>(id.as_str())
    }

    /// Every stored conversation; unreadable records are returned as errors
    /// so a caller can report them rather than skip them silently.
    ///
    /// The tree also holds other per-conversation records under prefixed
    /// keys (`surrogates/…`); conversation ids are hex, so only keys that
    /// start with a hex digit are read.
    pub fn all(store: &Store) -> Vec<Result<(String, ConversationRecord), StoreError>> {
        "0123456789abcdef"
            .chars()
            .flat_map(|digit| {
                store
                    .scan::<ConversationRecord>(&digit.to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

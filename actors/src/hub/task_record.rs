//! What the dashboard keeps of a task after it ran: the `tasks` tree, keyed
//! by task id, plus the `tasks_by_conversation` index keyed
//! `<conversation>/<task>` so one conversation's history is a prefix scan.
//!
//! The record is a fold of the task's [`GatewayEvent`]s ([`apply`]); the
//! hub decides when to write it.

use serde::{Deserialize, Serialize};

use super::event::{GatewayEvent, TaskRef};
use crate::intake::{ConversationId, IntakeId};
use crate::sandbox::stream_json::TodoItem;
use crate::store::{Record, Store, StoreError, StoreResult, TreeName};

/// Outcome recorded for tasks a previous process left unfinished.
pub const INTERRUPTED: &str = "interrupted";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Queued,
    Running,
    Finished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub task: TaskRef,
    pub messages: Vec<IntakeId>,
    pub sender: String,
    pub title: Option<String>,
    pub model: String,
    pub effort: Option<String>,
    pub status: TaskStatus,
    pub queued_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    /// As in [`GatewayEvent::TaskFinished`], or [`INTERRUPTED`].
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub session_id: Option<String>,
    pub resumed_session: Option<String>,
    pub cost_usd: Option<f64>,
    pub replied: bool,
    pub todos: Vec<TodoItem>,
    /// Stream-json lines seen; the lines themselves live in the
    /// conversation's `events.jsonl`.
    pub claude_events: u64,
}

impl Record for TaskRecord {
    const TREE: TreeName = TreeName::Tasks;
    const SCHEMA_VERSION: u16 = 1;
}

/// Value of a `tasks_by_conversation` entry. The task id is also in the
/// key; keeping it in the value spares readers from parsing keys.
#[derive(Debug, Serialize, Deserialize)]
struct TaskIndexEntry {
    task_id: String,
}

impl Record for TaskIndexEntry {
    const TREE: TreeName = TreeName::TasksByConversation;
    const SCHEMA_VERSION: u16 = 1;
}

/// Folds one event into a task's record. `TaskQueued` creates the record
/// (replacing any previous one: a task is queued once); the other task
/// events update an existing record and are ignored without one, as are
/// events about other tasks or about no task.
pub fn apply(record: Option<TaskRecord>, event: &GatewayEvent) -> Option<TaskRecord> {
    if let GatewayEvent::TaskQueued {
        task,
        messages,
        sender,
        title,
        model,
        effort,
        at_ms,
    } = event
    {
        return Some(TaskRecord {
            task: task.clone(),
            messages: messages.clone(),
            sender: sender.clone(),
            title: title.clone(),
            model: model.clone(),
            effort: effort.clone(),
            status: TaskStatus::Queued,
            queued_at_ms: *at_ms,
            started_at_ms: None,
            finished_at_ms: None,
            outcome: None,
            error: None,
            session_id: None,
            resumed_session: None,
            cost_usd: None,
            replied: false,
            todos: Vec::new(),
            claude_events: 0,
        });
    }
    let mut record = record?;
    if event
        .task()
        .is_none_or(|t| t.task_id != record.task.task_id)
    {
        return Some(record);
    }
    match event {
        GatewayEvent::TaskStarted {
            resumed_session,
            at_ms,
            ..
        } => {
            record.status = TaskStatus::Running;
            record.started_at_ms = Some(*at_ms);
            record.resumed_session = resumed_session.clone();
        }
        GatewayEvent::Claude { .. } => record.claude_events += 1,
        GatewayEvent::Plan { todos, .. } => record.todos = todos.clone(),
        GatewayEvent::TaskFinished {
            outcome,
            error,
            session_id,
            cost_usd,
            replied,
            at_ms,
            ..
        } => {
            record.status = TaskStatus::Finished;
            record.finished_at_ms = Some(*at_ms);
            record.outcome = Some(outcome.clone());
            record.error = error.clone();
            record.session_id = session_id.clone();
            record.cost_usd = *cost_usd;
            record.replied = *replied;
        }
        _ => {}
    }
    Some(record)
}

/// `n` of a `<conversation>-<n>` task id.
fn task_number(task_id: &str) -> Option<u64> {
    task_id.rsplit_once('-')?.1.parse().ok()
}

/// Newest first: by queue time, then by task number so tasks of one
/// conversation queued in the same millisecond keep their order.
pub(super) fn newest_first(a: &TaskRecord, b: &TaskRecord) -> std::cmp::Ordering {
    b.queued_at_ms
        .cmp(&a.queued_at_ms)
        .then_with(|| task_number(&b.task.task_id).cmp(&task_number(&a.task.task_id)))
        .then_with(|| b.task.task_id.cmp(&a.task.task_id))
}

fn index_prefix(conversation_id: &ConversationId) -> String {
    format!("{}/", conversation_id.as_str())
}

/// Damaged values are skipped rather than failing the whole listing: the
/// dashboard history is informational and one bad record must not hide
/// the rest.
fn skip_damaged<T>(item: StoreResult<T>) -> Option<T> {
    match item {
        Ok(value) => Some(value),
        Err(err) => {
            tracing::warn!("skipping unreadable task record: {err}");
            None
        }
    }
}

impl TaskRecord {
    pub fn is_finished(&self) -> bool {
        self.status == TaskStatus::Finished
    }

    /// Closes a record the previous process left queued or running: its
    /// task died with that process and no event will ever finish it.
    pub fn mark_interrupted(&mut self) {
        if self.is_finished() {
            return;
        }
        self.status = TaskStatus::Finished;
        self.outcome = Some(INTERRUPTED.to_string());
        self.error = Some("the gateway stopped before the task finished".to_string());
    }

    pub fn load(store: &Store, task_id: &str) -> StoreResult<Option<TaskRecord>> {
        store.get(task_id)
    }

    /// Writes the record and its index entry together, so the index never
    /// names a missing record. Not flushed: losing the last few hundred
    /// milliseconds of dashboard history in a crash is acceptable.
    pub fn save(&self, store: &Store) -> StoreResult<()> {
        let key = self.task.task_id.as_str();
        let index_key = format!("{}{key}", index_prefix(&self.task.conversation_id));
        store.transaction(|tx| {
            tx.put(key, self)?;
            tx.put(
                &index_key,
                &TaskIndexEntry {
                    task_id: key.to_string(),
                },
            )?;
            Ok(())
        })
    }

    /// A conversation's tasks in the order they ran (`-2` before `-10`).
    pub fn for_conversation(store: &Store, conversation_id: &ConversationId) -> Vec<TaskRecord> {
        let mut records: Vec<TaskRecord> = store
            .scan::<TaskIndexEntry>(&index_prefix(conversation_id))
            .filter_map(skip_damaged)
            .filter_map(|(_, entry)| {
                skip_damaged(TaskRecord::load(store, &entry.task_id)).flatten()
            })
            .collect();
        records.sort_by(|a, b| {
            let key = |r: &TaskRecord| (task_number(&r.task.task_id), r.task.task_id.clone());
            key(a).cmp(&key(b))
        });
        records
    }

    /// The `limit` most recently queued tasks, newest first. Scans the
    /// whole tree: it runs once per boot, and the tree is pruned with its
    /// conversations.
    pub fn recent(store: &Store, limit: usize) -> Vec<TaskRecord> {
        let mut records: Vec<TaskRecord> = store
            .scan::<TaskRecord>("")
            .filter_map(skip_damaged)
            .map(|(_, record)| record)
            .collect();
        records.sort_by(newest_first);
        records.truncate(limit);
        records
    }

    /// Deletes a conversation's records and index entries in one
    /// transaction; returns how many tasks were removed. Works from the
    /// index keys, so a damaged index value does not keep its record alive.
    pub fn remove_conversation(
        store: &Store,
        conversation_id: &ConversationId,
    ) -> StoreResult<usize> {
        let prefix = index_prefix(conversation_id);
        let index_keys = store
            .scan::<TaskIndexEntry>(&prefix)
            .map(|item| match item {
                Ok((key, _)) => Ok(key),
                Err(
                    StoreError::Damaged { key, .. }
                    | StoreError::SchemaMismatch { key, .. }
                    | StoreError::Decode { key, .. },
                ) => Ok(key),
                Err(err) => Err(err),
            })
            .collect::<StoreResult<Vec<String>>>()?;
        store.transaction(|tx| {
            let mut removed = 0;
            for index_key in &index_keys {
                tx.remove::<TaskIndexEntry>(index_key)?;
                let task_id = index_key.strip_prefix(&prefix).unwrap_or(index_key);
                if tx.remove::<TaskRecord>(task_id)? {
                    removed += 1;
                }
            }
            Ok(removed)
        })
    }
}

#[cfg(test)]
#[path = "task_record_tests.rs"]
mod tests;

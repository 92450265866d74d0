//! What a conversation actor is told and asked.

use actix::prelude::*;

use crate::intake::IntakeId;
use crate::sandbox::outcome::Outcome;

/// A journaled message for this conversation.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct NewMessage(pub IntakeId);

/// Stops the conversation's task in whatever phase it is (waiting for a
/// slot, preparing, running). With `drop_pending`, the follow-ups queued
/// behind it are dropped too (their senders are told); otherwise they run
/// next.
#[derive(Message, Debug, Clone, Default)]
#[rtype(result = "StopResult")]
pub struct Stop {
    pub drop_pending: bool,
    /// Stop the running task only if it is this one (`airut stop TASK`):
    /// a task that ended meanwhile must not take its successor with it.
    pub only_task: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopResult {
    /// The task that was told to stop.
    pub stopped_task: Option<String>,
    /// Queued messages dropped.
    pub dropped: usize,
}

/// Shutdown, first step: start no further task (queued messages stay
/// queued in the journal for the next process). Returns whether a task is
/// still running.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "bool")]
pub struct Drain;

/// Shutdown, second step (the drain time is up): stop the running task;
/// its sender is told it was interrupted and may reply to resume.
/// Returns whether a task was running.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "bool")]
pub struct Interrupt;

/// Stops the actor if it is idle (nothing running or queued); returns
/// whether it stopped. Housekeeping uses it before removing a
/// conversation, and tests to show a stopped actor restarts from its
/// record.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "bool")]
pub struct Retire;

/// Claude reported the session of the running task (its `init` event):
/// kept at once, so a process killed mid-task can still resume it.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub(super) struct SessionSeen(pub String);

/// A snapshot of the conversation, for the dashboard and tests.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "ConversationState")]
pub struct GetState;

#[derive(Debug, Clone, Default)]
pub struct ConversationState {
    pub session_id: Option<String>,
    pub model: Option<String>,
    pub running: Option<String>,
    pub queued: Vec<IntakeId>,
    pub draining: bool,
    /// Tasks finished by this actor (not its predecessors), oldest first.
    pub tasks: Vec<TaskSummary>,
}

/// One finished task.
#[derive(Debug, Clone)]
pub struct TaskSummary {
    pub task_id: String,
    pub messages: Vec<IntakeId>,
    pub prompt: String,
    pub model: String,
    /// The session this task was started with `--resume` of.
    pub resumed: Option<String>,
    pub session_id: Option<String>,
    /// `None`: the task could not run (infrastructure error).
    pub outcome: Option<Outcome>,
    pub replied: bool,
    /// Stopped by a shutdown; the sender got the interrupted notice.
    pub interrupted: bool,
}

/// Makes the actor panic, as a bug would: supervision tests only.
#[cfg(feature = "test-hooks")]
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct PanicForTest;

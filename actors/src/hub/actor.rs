//! The hub actor: folds every published event into a live snapshot,
//! persists task records, and fans events out to dashboard subscribers.
//!
//! Store calls run inline in the handlers: they are small sled writes
//! (no flush), and keeping them in the actor keeps the order of writes the
//! order of events.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::EventSink;
use super::event::{BootPhase, GatewayEvent, RepoStatus, TaskRef, now_ms};
use super::task_record::{TaskRecord, TaskStatus, apply, newest_first};
use crate::intake::{ConversationId, IntakeId};
use crate::metrics::{Counters, GatewayMetrics, LiveState, NetworkDecisions, count_task_log};
use crate::store::Store;

/// Finished tasks kept in memory and in the snapshot; older ones stay in
/// the store for per-conversation history.
pub const FINISHED_IN_SNAPSHOT: usize = 100;

/// Room for a burst of Claude events while a subscriber is slow; one that
/// falls further behind gets `Lagged` and should resubscribe.
const BROADCAST_CAPACITY: usize = 4096;

/// A message that is journaled but not yet part of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedMessage {
    pub repo_id: String,
    pub conversation_id: ConversationId,
    pub intake_id: IntakeId,
    pub sender: String,
    pub title: Option<String>,
    pub at_ms: i64,
}

/// Everything a new dashboard client needs before it follows the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSnapshot {
    pub boot: BootPhase,
    pub repos: BTreeMap<String, RepoStatus>,
    /// Every unfinished task and the newest [`FINISHED_IN_SNAPSHOT`]
    /// finished ones, newest (by queue time) first.
    pub tasks: Vec<TaskRecord>,
    /// In arrival order.
    pub queued_messages: Vec<QueuedMessage>,
    /// The newest [`REJECTIONS_IN_SNAPSHOT`] rejected messages, oldest first
    /// (kept in memory and in the logs only).
    pub rejections: Vec<RejectedMessage>,
    /// `"<repo>/<channel>"` → its connection state.
    pub channels: BTreeMap<String, ChannelState>,
}

pub const REJECTIONS_IN_SNAPSHOT: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedMessage {
    pub repo_id: String,
    pub channel: String,
    pub sender: String,
    pub kind: String,
    pub reason: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelState {
    pub state: String,
    pub error: Option<String>,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Publish(pub GatewayEvent);

/// The current snapshot and a receiver for every event after it.
#[derive(Message)]
#[rtype(result = "(HubSnapshot, broadcast::Receiver<Arc<GatewayEvent>>)")]
pub struct Subscribe;

#[derive(Message)]
#[rtype(result = "HubSnapshot")]
pub struct GetSnapshot;

/// The counters and the live gauges for `GET /metrics`.
#[derive(Message)]
#[rtype(result = "MetricsSnapshot")]
pub struct GetMetrics;

#[derive(Debug, Clone)]
pub struct MetricsSnapshot {
    pub counters: Counters,
    pub live: LiveState,
}

/// A finished task's network log was counted (off the hub's thread).
#[derive(Message)]
#[rtype(result = "()")]
struct NetworkCounted {
    repo_id: String,
    conversation_id: ConversationId,
    decisions: NetworkDecisions,
    end_offset: u64,
}

/// The proxy's log writer flushes when its queue runs dry; the log is
/// read this long after the task finished so its last lines are in.
const NETWORK_LOG_SETTLE: Duration = Duration::from_secs(1);

pub struct Hub {
    store: Store,
    boot: BootPhase,
    repos: BTreeMap<String, RepoStatus>,
    /// By task id.
    tasks: HashMap<String, TaskRecord>,
    queued_messages: Vec<QueuedMessage>,
    rejections: Vec<RejectedMessage>,
    channels: BTreeMap<String, ChannelState>,
    events: broadcast::Sender<Arc<GatewayEvent>>,
    metrics: GatewayMetrics,
    /// The state directory, when finished tasks' network logs are to be
    /// counted for the proxy metrics.
    network_logs: Option<PathBuf>,
    /// Per conversation, where the next task's lines start in its network
    /// log (an optimisation: entries are also filtered by task id).
    network_log_offsets: HashMap<ConversationId, u64>,
}

impl Hub {
    pub fn new(store: Store) -> Hub {
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        Hub {
            store,
            boot: BootPhase::Starting,
            repos: BTreeMap::new(),
            tasks: HashMap::new(),
            queued_messages: Vec::new(),
            rejections: Vec::new(),
            channels: BTreeMap::new(),
            events,
            metrics: GatewayMetrics::new(now_ms()),
            network_logs: None,
            network_log_offsets: HashMap::new(),
        }
    }

    /// Counts each finished task's proxy decisions from its conversation's
    /// network log under `state_dir` (spec/metrics.md).
    pub fn with_network_logs(mut self, state_dir: PathBuf) -> Hub {
        self.network_logs = Some(state_dir);
        self
    }

    /// Reads the task's network log on the blocking pool and reports back
    /// with [`NetworkCounted`]; the hub's thread never touches the file.
    fn count_network(&self, task: &TaskRef, ctx: &mut Context<Self>) {
        let Some(state_dir) = &self.network_logs else {
            return;
        };
        let repo_id = &task.repo_id;
        // Repo ids are config keys; refuse anything that could leave the
        // state directory all the same.
        if repo_id.is_empty() || repo_id.contains(['/', '\\', '\0']) || repo_id.starts_with('.') {
            return;
        }
        let path = state_dir
            .join(repo_id)
            .join("conversations")
            .join(task.conversation_id.as_str())
            .join(crate::task_runner::NETWORK_LOG);
        let from = self
            .network_log_offsets
            .get(&task.conversation_id)
            .copied()
            .unwrap_or(0);
        let (task, hub) = (task.clone(), ctx.address());
        actix::spawn(async move {
            tokio::time::sleep(NETWORK_LOG_SETTLE).await;
            let task_id = task.task_id.clone();
            let counted =
                tokio::task::spawn_blocking(move || count_task_log(&path, from, &task_id)).await;
            match counted {
                Ok(Ok((decisions, end_offset))) => hub.do_send(NetworkCounted {
                    repo_id: task.repo_id,
                    conversation_id: task.conversation_id,
                    decisions,
                    end_offset,
                }),
                Ok(Err(err)) => tracing::warn!(
                    task_id = %task.task_id,
                    "counting the network log for metrics failed: {err}"
                ),
                Err(err) => tracing::warn!(task_id = %task.task_id, "network log count: {err}"),
            }
        });
    }

    fn metrics_snapshot(&self) -> MetricsSnapshot {
        let mut live = LiveState::new(self.boot);
        for (repo_id, status) in &self.repos {
            live.set_repo(repo_id, status);
        }
        for (key, channel) in &self.channels {
            if let Some((repo, name)) = key.split_once('/') {
                live.channels
                    .insert((repo.to_string(), name.to_string()), channel.state.clone());
            }
        }
        for message in &self.queued_messages {
            *live
                .messages_queued
                .entry(message.repo_id.clone())
                .or_default() += 1;
        }
        // Unfinished tasks are never pruned, so the map holds them all.
        for record in self.tasks.values() {
            let gauge = match record.status {
                TaskStatus::Queued => &mut live.tasks_queued,
                TaskStatus::Running => &mut live.tasks_running,
                TaskStatus::Finished => continue,
            };
            *gauge.entry(record.task.repo_id.clone()).or_default() += 1;
        }
        MetricsSnapshot {
            counters: self.metrics.counters().clone(),
            live,
        }
    }

    fn save(&self, record: &TaskRecord) {
        if let Err(err) = record.save(&self.store) {
            tracing::warn!(task_id = %record.task.task_id, "saving task record failed: {err}");
        }
    }

    /// Reads the history the previous process left. Its unfinished tasks
    /// died with it, so they are closed as interrupted; otherwise they would
    /// show as running forever.
    fn load(&mut self) {
        let records = TaskRecord::recent(&self.store, usize::MAX);
        for (i, mut record) in records.into_iter().enumerate() {
            if !record.is_finished() {
                record.mark_interrupted();
                self.save(&record);
            }
            if i < FINISHED_IN_SNAPSHOT {
                self.tasks.insert(record.task.task_id.clone(), record);
            }
        }
    }

    /// Drops finished tasks beyond the newest [`FINISHED_IN_SNAPSHOT`] from
    /// memory (they stay in the store).
    fn prune_finished(&mut self) {
        let mut finished: Vec<&TaskRecord> =
            self.tasks.values().filter(|r| r.is_finished()).collect();
        if finished.len() <= FINISHED_IN_SNAPSHOT {
            return;
        }
        finished.sort_by(|a, b| newest_first(a, b));
        let stale: Vec<String> = finished[FINISHED_IN_SNAPSHOT..]
            .iter()
            .map(|r| r.task.task_id.clone())
            .collect();
        for task_id in stale {
            self.tasks.remove(&task_id);
        }
    }

    fn fold(&mut self, event: &GatewayEvent) {
        match event {
            GatewayEvent::Boot { phase } => self.boot = *phase,
            // `Stopped` is published when a reload removed the repo: it
            // leaves the overview with its channels.
            GatewayEvent::Repo {
                repo_id,
                status: RepoStatus::Stopped,
            } => {
                self.repos.remove(repo_id);
                let prefix = format!("{repo_id}/");
                self.channels.retain(|key, _| !key.starts_with(&prefix));
            }
            GatewayEvent::Repo { repo_id, status } => {
                self.repos.insert(repo_id.clone(), status.clone());
            }
            GatewayEvent::MessageQueued {
                repo_id,
                conversation_id,
                intake_id,
                sender,
                title,
                at_ms,
            } => self.queued_messages.push(QueuedMessage {
                repo_id: repo_id.clone(),
                conversation_id: conversation_id.clone(),
                intake_id: *intake_id,
                sender: sender.clone(),
                title: title.clone(),
                at_ms: *at_ms,
            }),
            GatewayEvent::ConversationRemoved {
                conversation_id, ..
            } => {
                self.tasks
                    .retain(|_, r| &r.task.conversation_id != conversation_id);
                self.queued_messages
                    .retain(|m| &m.conversation_id != conversation_id);
                if let Err(err) = TaskRecord::remove_conversation(&self.store, conversation_id) {
                    tracing::warn!(%conversation_id, "removing task records failed: {err}");
                }
            }
            GatewayEvent::TaskQueued { messages, .. } => {
                self.queued_messages
                    .retain(|m| !messages.contains(&m.intake_id));
                self.fold_task(event);
            }
            GatewayEvent::MessagesClosed { intake_ids, .. } => {
                self.queued_messages
                    .retain(|m| !intake_ids.contains(&m.intake_id));
            }
            GatewayEvent::MessageRejected {
                repo_id,
                channel,
                sender,
                kind,
                reason,
                at_ms,
            } => {
                self.rejections.push(RejectedMessage {
                    repo_id: repo_id.clone(),
                    channel: channel.clone(),
                    sender: sender.clone(),
                    kind: kind.clone(),
                    reason: reason.clone(),
                    at_ms: *at_ms,
                });
                let excess = self.rejections.len().saturating_sub(REJECTIONS_IN_SNAPSHOT);
                self.rejections.drain(..excess);
            }
            GatewayEvent::ChannelHealth {
                repo_id,
                channel,
                state,
                error,
            } => {
                self.channels.insert(
                    format!("{repo_id}/{channel}"),
                    ChannelState {
                        state: state.clone(),
                        error: error.clone(),
                    },
                );
            }
            GatewayEvent::TaskStarted { .. }
            | GatewayEvent::Claude { .. }
            | GatewayEvent::Plan { .. }
            | GatewayEvent::TaskFinished { .. } => self.fold_task(event),
        }
    }

    fn fold_task(&mut self, event: &GatewayEvent) {
        let Some(task) = event.task() else {
            return;
        };
        let previous = self.tasks.remove(&task.task_id);
        let Some(record) = apply(previous, event) else {
            return;
        };
        // Claude events only count: the lines are already in the
        // conversation's events.jsonl, and the count reaches the store with
        // the task's next persisted event.
        if !matches!(event, GatewayEvent::Claude { .. }) {
            self.save(&record);
        }
        let finished = record.is_finished();
        self.tasks.insert(task.task_id.clone(), record);
        if finished {
            self.prune_finished();
        }
    }

    fn snapshot(&self) -> HubSnapshot {
        let mut tasks: Vec<TaskRecord> = self.tasks.values().cloned().collect();
        tasks.sort_by(newest_first);
        HubSnapshot {
            boot: self.boot,
            repos: self.repos.clone(),
            tasks,
            queued_messages: self.queued_messages.clone(),
            rejections: self.rejections.clone(),
            channels: self.channels.clone(),
        }
    }
}

impl Actor for Hub {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Self::Context) {
        self.load();
    }
}

impl Handler<Publish> for Hub {
    type Result = ();

    fn handle(&mut self, Publish(event): Publish, ctx: &mut Self::Context) {
        self.fold(&event);
        self.metrics.observe(&event, now_ms());
        if let GatewayEvent::TaskFinished { task, .. } = &event {
            self.count_network(task, ctx);
        }
        if let GatewayEvent::ConversationRemoved {
            conversation_id, ..
        } = &event
        {
            self.network_log_offsets.remove(conversation_id);
        }
        // No subscribers is the normal case without a dashboard open.
        let _ = self.events.send(Arc::new(event));
    }
}

impl Handler<Subscribe> for Hub {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, _msg: Subscribe, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult((self.snapshot(), self.events.subscribe()))
    }
}

impl Handler<GetSnapshot> for Hub {
    type Result = MessageResult<GetSnapshot>;

    fn handle(&mut self, _msg: GetSnapshot, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.snapshot())
    }
}

impl Handler<GetMetrics> for Hub {
    type Result = MessageResult<GetMetrics>;

    fn handle(&mut self, _msg: GetMetrics, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.metrics_snapshot())
    }
}

impl Handler<NetworkCounted> for Hub {
    type Result = ();

    fn handle(&mut self, msg: NetworkCounted, _ctx: &mut Self::Context) {
        self.metrics.add_network(&msg.repo_id, &msg.decisions);
        if msg.end_offset > 0 {
            self.network_log_offsets
                .insert(msg.conversation_id, msg.end_offset);
        }
    }
}

/// An [`EventSink`] that publishes to the hub. `do_send` never waits, so a
/// busy hub does not slow the publisher.
pub fn sink(addr: Addr<Hub>) -> EventSink {
    EventSink::from_fn(move |event| addr.do_send(Publish(event)))
}

#[cfg(test)]
#[path = "actor_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "actor_metrics_tests.rs"]
mod metrics_tests;

//! One actor per repository (DESIGN §3): owns the intake journal and the
//! conversation actors of the repo, journals every inbound message before
//! its channel acknowledges it, routes it to its conversation (creating the
//! actor on first use) and, on boot, recovers unfinished work: queued
//! messages run again, interrupted ones are answered ("interrupted, reply
//! to resume"). See `spec/actors.md`.
//!
//! Every conversation actor of every repo shares one [`Semaphore`] sized
//! `execution.max_concurrent` (gateway.md G8); it is held only around
//! `run_task`, so intake and acknowledgements never wait on it.

mod reload;

pub use reload::RetireRepo;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use thiserror::Error;
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::channel::Channel;
use crate::config::ChannelKind;
use crate::conversation::{
    ConversationActor, ConversationSetup, Drain, GetState, Interrupt, NewMessage, Retire, Stop,
    StopResult,
};
use crate::git::GitMirror;
use crate::hub::{EventSink, GatewayEvent};
use crate::intake::{
    ConversationId, InboundMessage, IntakeError, IntakeId, IntakeJournal, JournalEntry, Recorded,
};
use crate::sandbox::agent_task::ConversationDirs;
use crate::sandbox::leftovers::{remove_conversation_containers, remove_conversation_networks};
use crate::task_runner::{TaskEnvironment, TaskRepo};

/// How often the repo checks that its conversation actors are alive.
const SUPERVISION_INTERVAL: Duration = Duration::from_secs(2);

pub use crate::conversation::INTERRUPTED_NOTICE;

/// What a repo needs to create its conversation actors.
pub struct RepoSettings {
    pub repo_id: String,
    pub repo: TaskRepo,
    pub channel_kind: ChannelKind,
    pub channel: Arc<dyn Channel>,
    pub env: Arc<TaskEnvironment>,
    pub mirror: Arc<GitMirror>,
    pub repo_url: String,
    /// Conversation `<id>` lives in `<conversations_dir>/<id>`.
    pub conversations_dir: PathBuf,
    /// `repos.<id>.model` / `.effort`.
    pub repo_model: Option<String>,
    pub repo_effort: Option<String>,
    /// The global limit on running tasks, shared by all repos.
    pub limiter: Arc<Semaphore>,
    pub events: EventSink,
}

/// A message could not be journaled; the channel must not acknowledge it.
#[derive(Debug, Error)]
pub enum SubmitError {
    #[error("message for repo {got:?} submitted to repo {expected:?}")]
    WrongRepo { expected: String, got: String },
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error("journal writer failed: {0}")]
    Blocking(String),
}

/// An authenticated, parsed message from one of the repo's channels.
/// Returns once it is durable; only then may the channel acknowledge or
/// delete it upstream. Duplicates are returned as such and not run again.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Recorded, SubmitError>")]
pub struct Submit(pub InboundMessage);

/// The conversation actor of `id`, if the repo has started one.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Option<Addr<ConversationActor>>")]
pub struct GetConversation(pub ConversationId);

/// What boot recovery did.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "RepoState")]
pub struct GetRepoState;

#[derive(Debug, Clone, Default)]
pub struct RepoState {
    pub conversations: Vec<ConversationId>,
    /// `None` until the boot recovery has finished.
    pub recovery: Option<RecoveryReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Queued messages routed to their conversations again.
    pub resumed: Vec<IntakeId>,
    /// Messages that were running: notice sent and marked interrupted.
    pub interrupted: Vec<IntakeId>,
    /// Interrupted messages whose notice or mark failed; they stay
    /// `running`, so the next boot repeats the notice.
    pub unanswered: Vec<IntakeId>,
    /// Unreadable journal records and recovery errors, for the operator.
    pub damaged: Vec<String>,
}

pub struct RepoActor {
    settings: RepoSettings,
    journal: IntakeJournal,
    conversations: BTreeMap<ConversationId, Addr<ConversationActor>>,
    recovery: Option<RecoveryReport>,
}

impl RepoActor {
    pub fn new(settings: RepoSettings, journal: IntakeJournal) -> RepoActor {
        RepoActor {
            settings,
            journal,
            conversations: BTreeMap::new(),
            recovery: None,
        }
    }

    /// The conversation's actor, started on first use.
    fn conversation(&mut self, id: &ConversationId) -> Addr<ConversationActor> {
        if let Some(addr) = self.conversations.get(id)
            && addr.connected()
        {
            return addr.clone();
        }
        let s = &self.settings;
        let setup = ConversationSetup {
            conversation_id: id.clone(),
            repo_id: s.repo_id.clone(),
            repo: s.repo.clone(),
            channel_kind: s.channel_kind,
            channel: Arc::clone(&s.channel),
            env: Arc::clone(&s.env),
            journal: self.journal.clone(),
            mirror: Arc::clone(&s.mirror),
            repo_url: s.repo_url.clone(),
            dirs: ConversationDirs::new(s.conversations_dir.join(id.to_string())),
            repo_model: s.repo_model.clone(),
            repo_effort: s.repo_effort.clone(),
            events: s.events.clone(),
        };
        let addr = ConversationActor::new(setup)
            .with_limiter(Arc::clone(&s.limiter))
            .start();
        self.conversations.insert(id.clone(), addr.clone());
        addr
    }

    fn route(&mut self, ctx: &mut Context<Self>, conversation: &ConversationId, id: IntakeId) {
        if self
            .conversations
            .get(conversation)
            .is_some_and(|addr| !addr.connected())
        {
            self.conversations.remove(conversation);
            self.revive(ctx, conversation, Some(id));
        }
        self.conversation(conversation).do_send(NewMessage(id));
    }

    /// Supervision: a conversation actor that stopped without being
    /// retired died (a panic). Its work is in the journal: queued messages
    /// go to a new actor (which loads the conversation's record), a task it
    /// was running is cleaned up and its sender told to reply to resume,
    /// as after a restart of the whole process.
    fn supervise(&mut self, ctx: &mut Context<Self>) {
        let dead: Vec<ConversationId> = self
            .conversations
            .iter()
            .filter(|(_, addr)| !addr.connected())
            .map(|(id, _)| id.clone())
            .collect();
        for id in dead {
            self.conversations.remove(&id);
            self.revive(ctx, &id, None);
        }
    }

    fn revive(
        &mut self,
        ctx: &mut Context<Self>,
        conversation: &ConversationId,
        except: Option<IntakeId>,
    ) {
        warn!(repo = self.settings.repo_id, %conversation,
            "conversation actor stopped unexpectedly; restarting it from its record");
        let open = match self.journal.recover() {
            Ok(open) => open,
            Err(error) => {
                warn!(%conversation, "journal: {error}");
                return;
            }
        };
        let mine = |entry: &JournalEntry| entry.conversation_id == *conversation;
        for entry in open
            .queued
            .iter()
            .filter(|e| mine(e) && Some(e.id) != except)
        {
            self.conversation(conversation)
                .do_send(NewMessage(entry.id));
        }
        let running: Vec<JournalEntry> = open.interrupted.into_iter().filter(|e| mine(e)).collect();
        if running.is_empty() {
            return;
        }
        let env = Arc::clone(&self.settings.env);
        let cleanup_id = conversation.to_string();
        let notify = notify_interrupted(
            Arc::clone(&self.settings.channel),
            self.journal.clone(),
            BTreeMap::from([(conversation.clone(), running)]),
        );
        ctx.spawn(actix::fut::wrap_future::<_, Self>(async move {
            // the dead actor's task container and proxy are nobody's now
            if let Err(error) =
                remove_conversation_containers(&env.engine, &env.names, &cleanup_id).await
            {
                warn!(
                    conversation = cleanup_id,
                    "removing its containers: {error}"
                );
            }
            if let Err(error) =
                remove_conversation_networks(&env.engine, &env.names, &cleanup_id).await
            {
                warn!(conversation = cleanup_id, "removing its networks: {error}");
            }
            let outcome = notify.await;
            if !outcome.unanswered.is_empty() {
                warn!(conversation = cleanup_id, ?outcome.damaged, "interrupted notice not sent");
            }
        }));
    }

    /// Boot: queued messages run again; running ones were cut off by the
    /// stop and get the notice, then become `interrupted`.
    fn recover(&mut self, ctx: &mut Context<Self>) {
        let recovered = match self.journal.recover() {
            Ok(recovered) => recovered,
            Err(error) => {
                warn!(repo = self.settings.repo_id, "recovery: {error}");
                self.recovery = Some(RecoveryReport {
                    damaged: vec![error.to_string()],
                    ..RecoveryReport::default()
                });
                return;
            }
        };
        let mut report = RecoveryReport {
            damaged: recovered.damaged,
            ..RecoveryReport::default()
        };
        let repo_id = self.settings.repo_id.clone();
        for entry in own(&repo_id, recovered.queued) {
            report.resumed.push(entry.id);
            self.conversation(&entry.conversation_id)
                .do_send(NewMessage(entry.id));
        }
        // one notice per conversation, for all its interrupted messages
        let mut interrupted: BTreeMap<ConversationId, Vec<JournalEntry>> = BTreeMap::new();
        for entry in own(&repo_id, recovered.interrupted) {
            interrupted
                .entry(entry.conversation_id.clone())
                .or_default()
                .push(entry);
        }
        info!(
            repo = self.settings.repo_id,
            resumed = report.resumed.len(),
            interrupted = interrupted.len(),
            "recovery"
        );
        let notify = notify_interrupted(
            Arc::clone(&self.settings.channel),
            self.journal.clone(),
            interrupted,
        );
        let notify = async move {
            let outcome = notify.await;
            report.interrupted.extend(outcome.interrupted);
            report.unanswered.extend(outcome.unanswered);
            report.damaged.extend(outcome.damaged);
            report
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(notify).map(|report, act, _| {
                act.recovery = Some(report);
            }),
        );
    }
}

#[derive(Debug, Default)]
struct NoticeOutcome {
    interrupted: Vec<IntakeId>,
    unanswered: Vec<IntakeId>,
    damaged: Vec<String>,
}

/// One interrupted notice per conversation, for all its cut-off messages,
/// then `interrupted` in the journal; a failed notice or mark leaves them
/// `running` so the next boot repeats the notice rather than losing it.
async fn notify_interrupted(
    channel: Arc<dyn Channel>,
    journal: IntakeJournal,
    interrupted: BTreeMap<ConversationId, Vec<JournalEntry>>,
) -> NoticeOutcome {
    let mut outcome = NoticeOutcome::default();
    for (conversation, entries) in interrupted {
        let ids: Vec<IntakeId> = entries.iter().map(|e| e.id).collect();
        // the answer goes to the newest of the cut-off messages
        if let Some(newest) = entries.last()
            && let Err(error) = channel
                .remember_origin(&conversation, &newest.message)
                .await
        {
            warn!(%conversation, "channel could not note the message to answer: {error}");
        }
        let marked = match channel.error_reply(&conversation, INTERRUPTED_NOTICE).await {
            Ok(()) => {
                let journal = journal.clone();
                let marking = ids.clone();
                tokio::task::spawn_blocking(move || journal.mark_interrupted(&marking))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()))
            }
            Err(error) => Err(error.to_string()),
        };
        match marked {
            Ok(()) => outcome.interrupted.extend(ids),
            Err(error) => {
                warn!(%conversation, "interrupted notice: {error}");
                outcome.damaged.push(format!("{conversation}: {error}"));
                outcome.unanswered.extend(ids);
            }
        }
    }
    outcome
}

/// Entries of this repo; the journal is shared by all repos of a store.
fn own(repo_id: &str, entries: Vec<JournalEntry>) -> impl Iterator<Item = JournalEntry> + '_ {
    entries
        .into_iter()
        .filter(move |entry| entry.message.repo_id == repo_id)
}

impl Actor for RepoActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.recover(ctx);
        ctx.run_interval(SUPERVISION_INTERVAL, |act, ctx| act.supervise(ctx));
    }
}

impl Handler<Submit> for RepoActor {
    type Result = ResponseActFuture<Self, Result<Recorded, SubmitError>>;

    fn handle(&mut self, msg: Submit, _: &mut Context<Self>) -> Self::Result {
        let Submit(message) = msg;
        if message.repo_id != self.settings.repo_id {
            let error = SubmitError::WrongRepo {
                expected: self.settings.repo_id.clone(),
                got: message.repo_id,
            };
            return Box::pin(actix::fut::ready(Err(error)));
        }
        let journal = self.journal.clone();
        let (sender, subject) = (message.sender.clone(), message.subject.clone());
        // `record` flushes to disk: off the actor thread
        let record = async move {
            match tokio::task::spawn_blocking(move || journal.record(&message)).await {
                Ok(recorded) => recorded.map_err(SubmitError::from),
                Err(error) => Err(SubmitError::Blocking(error.to_string())),
            }
        };
        Box::pin(
            actix::fut::wrap_future::<_, Self>(record).map(move |recorded, act, ctx| {
                if let Ok(Recorded::Accepted {
                    id,
                    conversation_id,
                    ..
                }) = &recorded
                {
                    act.settings.events.publish(GatewayEvent::MessageQueued {
                        repo_id: act.settings.repo_id.clone(),
                        conversation_id: conversation_id.clone(),
                        intake_id: *id,
                        sender: sender.display.clone(),
                        title: subject.clone(),
                        at_ms: crate::hub::now_ms(),
                    });
                    act.route(ctx, conversation_id, *id);
                }
                recorded
            }),
        )
    }
}

/// Shutdown: every conversation starts no further task. Returns how many
/// tasks still run.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct DrainRepo;

/// Shutdown after the drain time: running tasks are stopped and their
/// senders told they were interrupted. Returns how many were running.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct InterruptRepo;

/// Stops a conversation's task (dashboard, CLI). `None`: the repo has no
/// actor for that conversation (nothing runs or waits there).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Option<StopResult>")]
pub struct StopConversation {
    pub conversation_id: ConversationId,
    pub drop_pending: bool,
    /// Only if this task is the one running (see `Stop::only_task`).
    pub only_task: Option<String>,
}

/// Conversations with a task running or messages waiting, for
/// housekeeping (never delete those).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Vec<ConversationId>")]
pub struct BusyConversations;

/// Stops the actor of an idle conversation and forgets it; `false` when it
/// is busy. Housekeeping calls it before deleting the conversation.
#[derive(Message, Debug, Clone)]
#[rtype(result = "bool")]
pub struct RetireConversation(pub ConversationId);

impl RepoActor {
    fn addresses(&self) -> Vec<(ConversationId, Addr<ConversationActor>)> {
        self.conversations
            .iter()
            .filter(|(_, addr)| addr.connected())
            .map(|(id, addr)| (id.clone(), addr.clone()))
            .collect()
    }
}

impl Handler<DrainRepo> for RepoActor {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, _: DrainRepo, _: &mut Context<Self>) -> Self::Result {
        let addresses = self.addresses();
        Box::pin(async move {
            let mut running = 0;
            for (_, addr) in addresses {
                if addr.send(Drain).await.unwrap_or(false) {
                    running += 1;
                }
            }
            running
        })
    }
}

impl Handler<InterruptRepo> for RepoActor {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, _: InterruptRepo, _: &mut Context<Self>) -> Self::Result {
        let addresses = self.addresses();
        Box::pin(async move {
            let mut running = 0;
            for (_, addr) in addresses {
                if addr.send(Interrupt).await.unwrap_or(false) {
                    running += 1;
                }
            }
            running
        })
    }
}

impl Handler<StopConversation> for RepoActor {
    type Result = ResponseFuture<Option<StopResult>>;

    fn handle(&mut self, msg: StopConversation, _: &mut Context<Self>) -> Self::Result {
        let addr = self
            .conversations
            .get(&msg.conversation_id)
            .filter(|addr| addr.connected())
            .cloned();
        Box::pin(async move {
            let addr = addr?;
            addr.send(Stop {
                drop_pending: msg.drop_pending,
                only_task: msg.only_task,
            })
            .await
            .ok()
        })
    }
}

impl Handler<BusyConversations> for RepoActor {
    type Result = ResponseFuture<Vec<ConversationId>>;

    fn handle(&mut self, _: BusyConversations, _: &mut Context<Self>) -> Self::Result {
        let addresses = self.addresses();
        Box::pin(async move {
            let mut busy = Vec::new();
            for (id, addr) in addresses {
                if let Ok(state) = addr.send(GetState).await
                    && (state.running.is_some() || !state.queued.is_empty())
                {
                    busy.push(id);
                }
            }
            busy
        })
    }
}

impl Handler<RetireConversation> for RepoActor {
    type Result = ResponseActFuture<Self, bool>;

    fn handle(&mut self, msg: RetireConversation, _: &mut Context<Self>) -> Self::Result {
        let id = msg.0;
        let addr = self
            .conversations
            .get(&id)
            .filter(|addr| addr.connected())
            .cloned();
        let retire = async move {
            match addr {
                Some(addr) => addr.send(Retire).await.unwrap_or(true),
                None => true,
            }
        };
        Box::pin(
            actix::fut::wrap_future::<_, Self>(retire).map(move |retired, act, _| {
                if retired {
                    act.conversations.remove(&id);
                }
                retired
            }),
        )
    }
}

impl Handler<GetConversation> for RepoActor {
    type Result = Option<Addr<ConversationActor>>;

    fn handle(&mut self, msg: GetConversation, _: &mut Context<Self>) -> Self::Result {
        self.conversations.get(&msg.0).cloned()
    }
}

impl Handler<GetRepoState> for RepoActor {
    type Result = MessageResult<GetRepoState>;

    fn handle(&mut self, _: GetRepoState, _: &mut Context<Self>) -> Self::Result {
        MessageResult(RepoState {
            conversations: self.conversations.keys().cloned().collect(),
            recovery: self.recovery.clone(),
        })
    }
}

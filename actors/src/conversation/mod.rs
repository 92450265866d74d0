//! One actor per conversation (DESIGN §3, gateway.md G7): runs one task at
//! a time, queues the messages that arrive meanwhile and coalesces all of
//! them into the next task, keeps the Claude session between tasks, and
//! answers through the conversation's [`Channel`].
//!
//! Everything a restart must not lose is in the conversation's
//! [`ConversationRecord`]: a new actor for the same id (after a crash, a
//! boot, or its repo recreating it) carries on from it. Messages reach the
//! actor already journaled ([`NewMessage`] carries the intake id); their
//! journal state goes queued → running (once the task holds a slot) →
//! done, failed or interrupted. See `spec/actors.md`.

mod messages;
mod record;
mod task_settings;
mod task_work;

#[cfg(feature = "test-hooks")]
pub use messages::PanicForTest;
pub use messages::{
    ConversationState, Drain, GetState, Interrupt, NewMessage, Retire, Stop, StopResult,
    TaskSummary,
};
pub use record::ConversationRecord;
pub use task_settings::UpdateTaskSettings;
pub use task_work::STOPPED_BEFORE_START;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix::prelude::*;
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::channel::Channel;
use crate::config::ChannelKind;
use crate::git::GitMirror;
use crate::hub::{EventSink, GatewayEvent, TaskRef, now_ms};
use crate::intake::{ConversationId, IntakeId, IntakeJournal, JournalEntry, coalesce};
use crate::sandbox::agent_task::ConversationDirs;
use crate::sandbox::outcome::Outcome;
use crate::sandbox::stop_handle::StopHandle;
use crate::task_prompt::{
    ModelInputs, PromptInput, build_prompt, channel_context, compose_body, select_model,
};
use crate::task_runner::{RecoveryParts, TaskEnvironment, TaskInput, TaskRepo};
use messages::SessionSeen;
use task_work::{Ran, TaskWork, WorkResult, perform};

/// The text sent to a conversation whose task was cut off by a restart or
/// a shutdown.
pub const INTERRUPTED_NOTICE: &str = "Your request was interrupted because the service \
     restarted while it was running. Nothing was lost: reply to this conversation to resume it.";

/// The answer to a message with nothing to act on.
pub const EMPTY_MESSAGE: &str =
    "Your message appears to be empty: write what you would like done and send it again.";

/// Everything a conversation needs that does not change between its tasks.
pub struct ConversationSetup {
    pub conversation_id: ConversationId,
    pub repo_id: String,
    pub repo: TaskRepo,
    pub channel_kind: ChannelKind,
    pub channel: Arc<dyn Channel>,
    pub env: Arc<TaskEnvironment>,
    pub journal: IntakeJournal,
    pub mirror: Arc<GitMirror>,
    pub repo_url: String,
    pub dirs: ConversationDirs,
    /// `repos.<id>.model` / `.effort`.
    pub repo_model: Option<String>,
    pub repo_effort: Option<String>,
    pub events: EventSink,
}

struct Running {
    task_id: String,
    messages: Vec<IntakeId>,
    stop: StopHandle,
    interrupted: Arc<AtomicBool>,
    started: Arc<AtomicBool>,
}

impl Running {
    /// Shutdown: stops the task; its sender is told only if it had started.
    fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.stop.stop();
    }

    fn started(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }
}

pub struct ConversationActor {
    setup: ConversationSetup,
    record: ConversationRecord,
    queue: Vec<IntakeId>,
    running: Option<Running>,
    draining: bool,
    tasks: Vec<TaskSummary>,
    /// The global `execution.max_concurrent` limit (gateway.md G8), held
    /// only around `run_task`.
    limiter: Option<Arc<Semaphore>>,
}

impl ConversationActor {
    /// Loads the conversation's record, or starts a new one. An unreadable
    /// record is reported and replaced: the session is lost, the messages
    /// are not.
    pub fn new(setup: ConversationSetup) -> ConversationActor {
        let id = &setup.conversation_id;
        let fresh = || ConversationRecord {
            repo_id: setup.repo_id.clone(),
            channel: setup.channel_kind.as_str().to_string(),
            created_at_ms: now_ms(),
            last_activity_ms: now_ms(),
            ..ConversationRecord::default()
        };
        let record = match ConversationRecord::load(&setup.env.store, id) {
            Ok(Some(record)) => record,
            Ok(None) => fresh(),
            Err(error) => {
                warn!(conversation = %id, "conversation record unreadable, starting afresh: {error}");
                fresh()
            }
        };
        ConversationActor {
            setup,
            record,
            queue: Vec::new(),
            running: None,
            draining: false,
            tasks: Vec::new(),
            limiter: None,
        }
    }

    /// Shares the global limit on running tasks: a task waits for a permit
    /// after its acknowledgement and holds it only while `run_task` runs.
    pub fn with_limiter(mut self, limiter: Arc<Semaphore>) -> ConversationActor {
        self.limiter = Some(limiter);
        self
    }

    fn save(&self) {
        if let Err(error) = self
            .record
            .save(&self.setup.env.store, &self.setup.conversation_id)
        {
            warn!(conversation = %self.setup.conversation_id, "saving the conversation: {error}");
        }
    }

    /// Starts the next task from everything queued, unless one runs.
    fn start_next(&mut self, ctx: &mut Context<Self>) {
        if self.running.is_some() || self.queue.is_empty() || self.draining {
            return;
        }
        let ids = std::mem::take(&mut self.queue);
        let entries = match self.load(&ids) {
            Ok(entries) => entries,
            Err(reason) => {
                warn!(conversation = %self.setup.conversation_id, "{reason}");
                self.fail_without_task(ctx, ids, reason);
                return;
            }
        };
        let messages: Vec<_> = entries.iter().map(|e| e.message.clone()).collect();
        let Some(origin) = messages.last().cloned() else {
            return;
        };
        // A repo with email and Slack routes by message: the channel this
        // conversation's messages came in on, not the repo's first channel.
        let channel_kind = origin.channel;
        self.record.channel = channel_kind.as_str().to_string();
        let request = coalesce(&messages);
        if request.is_blank(self.record.session_id.is_none()) {
            self.fail_without_task(ctx, ids, EMPTY_MESSAGE.to_string());
            return;
        }

        self.record.tasks_started += 1;
        let task_id = format!(
            "{}-{}",
            self.setup.conversation_id, self.record.tasks_started
        );
        let choice = select_model(&ModelInputs {
            hint: request.model_hint.as_deref(),
            stored_model: self.record.model.as_deref(),
            stored_effort: self.record.effort.as_deref(),
            repo_model: self.setup.repo_model.as_deref(),
            repo_effort: self.setup.repo_effort.as_deref(),
        });
        let new_conversation = self.record.session_id.is_none();
        if self.record.title.is_none() {
            self.record.title = request.subject.clone();
        }
        let acknowledge = !self.record.acknowledged;
        self.record.model = Some(choice.model.clone());
        self.record.effort = choice.effort.clone();
        self.record.acknowledged = true;
        self.record.last_activity_ms = now_ms();
        self.save();

        let inbox_files = self.save_attachments(&request.attachments);
        let prompt = build_prompt(&PromptInput {
            channel: channel_kind,
            new_conversation,
            request: &request,
            inbox_files: &inbox_files,
        });
        let subject = if new_conversation {
            request.subject.as_deref()
        } else {
            None
        };
        let input = TaskInput {
            repo_id: self.setup.repo_id.clone(),
            repo: self.setup.repo.clone(),
            conversation_id: self.setup.conversation_id.to_string(),
            task_id: task_id.clone(),
            conversation_dir: self.setup.dirs.clone(),
            mirror: Arc::clone(&self.setup.mirror),
            repo_url: self.setup.repo_url.clone(),
            prompt: prompt.clone(),
            model: choice.model.clone(),
            effort: choice.effort.clone(),
            resume_session: self.record.session_id.clone(),
            recovery: RecoveryParts {
                channel_context: channel_context(channel_kind, subject, &inbox_files),
                last_reply: self.record.last_reply.clone(),
                request_body: compose_body(&request.entries),
            },
        };
        info!(conversation = %self.setup.conversation_id, task = task_id,
            messages = ids.len(), "task starting");
        let task = TaskRef {
            repo_id: self.setup.repo_id.clone(),
            conversation_id: self.setup.conversation_id.clone(),
            task_id: task_id.clone(),
        };
        let newest = messages.last();
        self.setup.events.publish(GatewayEvent::TaskQueued {
            task: task.clone(),
            messages: ids.clone(),
            sender: newest.map(|m| m.sender.display.clone()).unwrap_or_default(),
            title: self.record.title.clone(),
            model: choice.model.clone(),
            effort: choice.effort.clone(),
            at_ms: now_ms(),
        });

        let stop = StopHandle::new();
        let interrupted = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicBool::new(false));
        self.running = Some(Running {
            task_id: task_id.clone(),
            messages: ids.clone(),
            stop: stop.clone(),
            interrupted: Arc::clone(&interrupted),
            started: Arc::clone(&started),
        });
        let summary = TaskSummary {
            task_id,
            messages: ids.clone(),
            prompt,
            model: choice.model,
            resumed: input.resume_session.clone(),
            session_id: None,
            outcome: None,
            replied: false,
            interrupted: false,
        };
        let work = TaskWork {
            input,
            origin,
            task,
            messages: ids,
            acknowledge,
            stop,
            interrupted,
            started,
            env: Arc::clone(&self.setup.env),
            channel: Arc::clone(&self.setup.channel),
            journal: self.setup.journal.clone(),
            limiter: self.limiter.clone(),
            events: self.setup.events.clone(),
            session_seen: ctx.address().recipient(),
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(perform(work))
                .map(move |result, act, ctx| act.finished(ctx, summary, result)),
        );
    }

    fn finished(&mut self, ctx: &mut Context<Self>, mut summary: TaskSummary, result: WorkResult) {
        self.running = None;
        if result.requeued {
            info!(
                task = summary.task_id,
                "shutdown: task put back in the queue"
            );
            return;
        }
        match &result.ran {
            Ran::Output(output) => {
                summary.outcome = Some(output.result.outcome);
                summary.session_id = output.result.session_id.clone();
                if output.result.session_id.is_some() {
                    self.record.session_id = output.result.session_id.clone();
                }
                if output.result.outcome == Outcome::Success && !result.interrupted {
                    self.record.last_reply = Some(result.text.clone());
                }
            }
            Ran::Error(error) => warn!(task = summary.task_id, "task failed: {error}"),
            Ran::StoppedBeforeStart => summary.outcome = Some(Outcome::Stopped),
        }
        summary.replied = result.delivered.is_ok();
        summary.interrupted = result.interrupted;
        self.record.last_activity_ms = now_ms();
        self.save();
        self.tasks.push(summary);
        self.start_next(ctx);
    }

    fn load(&self, ids: &[IntakeId]) -> Result<Vec<JournalEntry>, String> {
        ids.iter()
            .map(|id| match self.setup.journal.get(*id) {
                Ok(Some(entry)) => Ok(entry),
                Ok(None) => Err(format!("message {id} is not in the journal")),
                Err(error) => Err(format!("journal: {error}")),
            })
            .collect()
    }

    /// Copies attachments into the inbox; returns the names saved.
    fn save_attachments(&self, attachments: &[crate::intake::Attachment]) -> Vec<String> {
        let inbox: PathBuf = self.setup.dirs.inbox();
        let mut saved = Vec::new();
        for attachment in attachments {
            let copied = std::fs::create_dir_all(&inbox)
                .and_then(|()| std::fs::copy(&attachment.path, inbox.join(&attachment.name)));
            match copied {
                Ok(_) => saved.push(attachment.name.clone()),
                Err(error) => warn!(name = attachment.name, "saving an attachment: {error}"),
            }
        }
        saved
    }

    /// Messages that cannot become a task: tell the user, mark them failed.
    fn fail_without_task(&mut self, ctx: &mut Context<Self>, ids: Vec<IntakeId>, reason: String) {
        if let Err(error) = self.setup.journal.mark_failed(&ids, &reason) {
            warn!(conversation = %self.setup.conversation_id, "journal: {error}");
        }
        self.setup.events.publish(GatewayEvent::MessagesClosed {
            repo_id: self.setup.repo_id.clone(),
            conversation_id: self.setup.conversation_id.clone(),
            intake_ids: ids.clone(),
            reason: reason.clone(),
        });
        let origin = ids
            .last()
            .and_then(|id| self.setup.journal.get(*id).ok().flatten())
            .map(|entry| entry.message);
        let channel = Arc::clone(&self.setup.channel);
        let conversation = self.setup.conversation_id.clone();
        ctx.spawn(actix::fut::wrap_future::<_, Self>(async move {
            if let Some(origin) = &origin
                && let Err(error) = channel.remember_origin(&conversation, origin).await
            {
                warn!(%conversation, "channel could not note the message to answer: {error}");
            }
            if let Err(error) = channel.error_reply(&conversation, &reason).await {
                warn!(%conversation, "error reply: {error}");
            }
        }));
    }
}

impl Actor for ConversationActor {
    type Context = Context<Self>;
}

impl Handler<NewMessage> for ConversationActor {
    type Result = ();

    fn handle(&mut self, msg: NewMessage, ctx: &mut Context<Self>) {
        let running = self
            .running
            .as_ref()
            .is_some_and(|r| r.messages.contains(&msg.0));
        if !running && !self.queue.contains(&msg.0) {
            self.queue.push(msg.0);
        }
        self.record.last_activity_ms = now_ms();
        self.start_next(ctx);
    }
}

impl Handler<Stop> for ConversationActor {
    type Result = MessageResult<Stop>;

    fn handle(&mut self, msg: Stop, ctx: &mut Context<Self>) -> Self::Result {
        let stopped_task = self
            .running
            .as_ref()
            .filter(|running| {
                msg.only_task
                    .as_ref()
                    .is_none_or(|wanted| *wanted == running.task_id)
            })
            .map(|running| {
                running.stop.stop();
                running.task_id.clone()
            });
        let mut dropped = 0;
        if msg.drop_pending && !self.queue.is_empty() {
            let ids = std::mem::take(&mut self.queue);
            dropped = ids.len();
            self.fail_without_task(
                ctx,
                ids,
                "Your follow-up was dropped on request before it ran.".to_string(),
            );
        }
        MessageResult(StopResult {
            stopped_task,
            dropped,
        })
    }
}

impl Handler<Drain> for ConversationActor {
    type Result = bool;

    fn handle(&mut self, _: Drain, _: &mut Context<Self>) -> bool {
        self.draining = true;
        match &self.running {
            // still waiting for a slot: put back rather than started now
            Some(running) if !running.started() => {
                running.interrupt();
                true
            }
            Some(_) => true,
            None => false,
        }
    }
}

impl Handler<Interrupt> for ConversationActor {
    type Result = bool;

    fn handle(&mut self, _: Interrupt, _: &mut Context<Self>) -> bool {
        self.draining = true;
        match &self.running {
            Some(running) => {
                running.interrupt();
                true
            }
            None => false,
        }
    }
}

impl Handler<Retire> for ConversationActor {
    type Result = bool;

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) -> bool {
        if self.running.is_some() || !self.queue.is_empty() {
            return false;
        }
        ctx.stop();
        true
    }
}

impl Handler<SessionSeen> for ConversationActor {
    type Result = ();

    fn handle(&mut self, msg: SessionSeen, _: &mut Context<Self>) {
        self.record.session_id = Some(msg.0);
        self.save();
    }
}

impl Handler<GetState> for ConversationActor {
    type Result = MessageResult<GetState>;

    fn handle(&mut self, _: GetState, _: &mut Context<Self>) -> Self::Result {
        MessageResult(ConversationState {
            session_id: self.record.session_id.clone(),
            model: self.record.model.clone(),
            running: self.running.as_ref().map(|r| r.task_id.clone()),
            queued: self.queue.clone(),
            draining: self.draining,
            tasks: self.tasks.clone(),
        })
    }
}

#[cfg(feature = "test-hooks")]
impl Handler<PanicForTest> for ConversationActor {
    type Result = ();

    #[allow(clippy::panic)]
    fn handle(&mut self, _: PanicForTest, _: &mut Context<Self>) {
        panic!(
            "conversation {} panics on request (test hook)",
            self.setup.conversation_id
        );
    }
}

//! One actor per conversation (DESIGN §3, gateway.md G7): runs one task at
//! a time, queues the messages that arrive meanwhile and coalesces all of
//! them into the next task, keeps the Claude session between tasks, and
//! answers through the conversation's [`Channel`].
//!
//! Messages reach the actor already journaled ([`NewMessage`] carries the
//! intake id); the actor moves their journal state queued → running →
//! done (answered after a successful run) or failed (the run failed, was
//! stopped or could not start, or the answer was not delivered; the sender
//! got an error reply where possible). See `spec/actors.md`.

mod record;

pub use record::ConversationRecord;

use std::path::PathBuf;
use std::sync::Arc;

use actix::prelude::*;
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::channel::{Channel, Phase};
use crate::config::ChannelKind;
use crate::git::GitMirror;
use crate::intake::{ConversationId, IntakeId, IntakeJournal, JournalEntry, coalesce};
use crate::sandbox::agent_task::ConversationDirs;
use crate::sandbox::outcome::Outcome;
use crate::sandbox::stop_handle::StopHandle;
use crate::task_prompt::{
    ModelInputs, PromptInput, build_prompt, channel_context, compose_body, select_model,
};
use crate::task_runner::{RecoveryParts, TaskEnvironment, TaskInput, TaskRepo, run_task};

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
    /// The session of an existing conversation (from its stored record);
    /// `None` for a new one.
    pub session_id: Option<String>,
}

/// A journaled message for this conversation.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct NewMessage(pub IntakeId);

/// Stops the running task, if any (queued messages still run afterwards).
/// Returns whether a task was running.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "bool")]
pub struct Stop;

/// A snapshot of the conversation, for the dashboard and tests.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "ConversationState")]
pub struct GetState;

#[derive(Debug, Clone, Default)]
pub struct ConversationState {
    pub session_id: Option<String>,
    pub running: Option<String>,
    pub queued: Vec<IntakeId>,
    /// Finished tasks, oldest first.
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
}

pub struct ConversationActor {
    setup: ConversationSetup,
    queue: Vec<IntakeId>,
    running: Option<(String, StopHandle)>,
    session_id: Option<String>,
    model: Option<String>,
    effort: Option<String>,
    last_reply: Option<String>,
    acknowledged: bool,
    tasks: Vec<TaskSummary>,
    next_task: u32,
    /// The global `execution.max_concurrent` limit (gateway.md G8), held
    /// only around `run_task`.
    limiter: Option<Arc<Semaphore>>,
}

impl ConversationActor {
    pub fn new(setup: ConversationSetup) -> ConversationActor {
        let existing = setup.session_id.is_some();
        ConversationActor {
            session_id: setup.session_id.clone(),
            setup,
            queue: Vec::new(),
            running: None,
            model: None,
            effort: None,
            last_reply: None,
            acknowledged: existing,
            tasks: Vec::new(),
            next_task: 1,
            limiter: None,
        }
    }

    /// Shares the global limit on running tasks: a task waits for a permit
    /// after its acknowledgement and holds it only while `run_task` runs.
    pub fn with_limiter(mut self, limiter: Arc<Semaphore>) -> ConversationActor {
        self.limiter = Some(limiter);
        self
    }

    /// Starts the next task from everything queued, unless one runs.
    fn start_next(&mut self, ctx: &mut Context<Self>) {
        if self.running.is_some() || self.queue.is_empty() {
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
        let request = coalesce(&messages);
        if request.is_blank() {
            self.fail_without_task(ctx, ids, "The message was empty.".to_string());
            return;
        }

        let task_id = format!("{}-{}", self.setup.conversation_id, self.next_task);
        self.next_task += 1;
        let choice = select_model(&ModelInputs {
            hint: request.model_hint.as_deref(),
            stored_model: self.model.as_deref(),
            stored_effort: self.effort.as_deref(),
            repo_model: self.setup.repo_model.as_deref(),
            repo_effort: self.setup.repo_effort.as_deref(),
        });
        self.model = Some(choice.model.clone());
        self.effort = choice.effort.clone();

        let inbox_files = self.save_attachments(&request.attachments);
        let new_conversation = self.session_id.is_none();
        let prompt = build_prompt(&PromptInput {
            channel: self.setup.channel_kind,
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
            resume_session: self.session_id.clone(),
            recovery: RecoveryParts {
                channel_context: channel_context(self.setup.channel_kind, subject, &inbox_files),
                last_reply: self.last_reply.clone(),
                request_body: compose_body(&request.entries),
            },
        };
        if let Err(error) = self.setup.journal.mark_running(&ids, &task_id) {
            warn!(conversation = %self.setup.conversation_id, "journal: {error}");
        }
        info!(conversation = %self.setup.conversation_id, task = task_id,
            messages = ids.len(), "task starting");

        let stop = StopHandle::new();
        self.running = Some((task_id.clone(), stop.clone()));
        let acknowledge = !self.acknowledged;
        self.acknowledged = true;
        let mut summary = TaskSummary {
            task_id,
            messages: ids,
            prompt,
            model: choice.model,
            resumed: input.resume_session.clone(),
            session_id: None,
            outcome: None,
            replied: false,
        };
        let env = Arc::clone(&self.setup.env);
        let channel = Arc::clone(&self.setup.channel);
        let conversation = self.setup.conversation_id.clone();
        let limiter = self.limiter.clone();

        let work = async move {
            if acknowledge
                && let Err(error) = channel.acknowledge(&conversation, &input.model).await
            {
                warn!(%conversation, "acknowledgement: {error}");
            }
            // A closed semaphore (shutdown) runs the task unlimited rather
            // than dropping it; a task stopped while it waits does not wait
            // further (`run_task` then ends it as stopped).
            let permit = match limiter {
                Some(limiter) => tokio::select! {
                    permit = limiter.acquire_owned() => permit.ok(),
                    () = stop.stopped() => None,
                },
                None => None,
            };
            report(&*channel, &conversation, Phase::Running).await;
            let ran = run_task(&env, &input, stop, |_| {}).await;
            drop(permit);
            let (text, files, ok) = match &ran {
                Ok(output) => (
                    output.reply_text.clone(),
                    output.outbox_files.clone(),
                    output.result.outcome == Outcome::Success,
                ),
                Err(error) => (
                    format!("The task could not run: {error}"),
                    Vec::new(),
                    false,
                ),
            };
            let sent = if ok {
                channel.reply(&conversation, &text, &files).await
            } else {
                channel.error_reply(&conversation, &text).await
            };
            let phase = if ok { Phase::Completed } else { Phase::Failed };
            report(&*channel, &conversation, phase).await;
            (ran, text, sent)
        };

        ctx.spawn(actix::fut::wrap_future::<_, Self>(work).map(
            move |(ran, text, sent), act, ctx| {
                act.running = None;
                match &ran {
                    Ok(output) => {
                        summary.outcome = Some(output.result.outcome);
                        summary.session_id = output.result.session_id.clone();
                        if output.result.session_id.is_some() {
                            act.session_id = output.result.session_id.clone();
                        }
                        if output.result.outcome == Outcome::Success {
                            act.last_reply = Some(text);
                        }
                    }
                    Err(error) => warn!(task = summary.task_id, "task failed: {error}"),
                }
                summary.replied = sent.is_ok();
                let marked = match (&ran, &sent) {
                    (_, Err(error)) => act
                        .setup
                        .journal
                        .mark_failed(&summary.messages, &format!("reply not delivered: {error}")),
                    (Err(error), Ok(())) => act
                        .setup
                        .journal
                        .mark_failed(&summary.messages, &error.to_string()),
                    (Ok(output), Ok(())) if !output.result.outcome.is_success() => {
                        act.setup.journal.mark_failed(
                            &summary.messages,
                            &format!("task {}", output.result.outcome.as_str()),
                        )
                    }
                    (Ok(_), Ok(())) => act.setup.journal.mark_done(&summary.messages),
                };
                if let Err(error) = marked {
                    warn!(task = summary.task_id, "journal: {error}");
                }
                act.tasks.push(summary);
                act.start_next(ctx);
            },
        ));
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
        let channel = Arc::clone(&self.setup.channel);
        let conversation = self.setup.conversation_id.clone();
        ctx.spawn(actix::fut::wrap_future::<_, Self>(async move {
            if let Err(error) = channel.error_reply(&conversation, &reason).await {
                warn!(%conversation, "error reply: {error}");
            }
        }));
    }
}

async fn report(channel: &dyn Channel, conversation: &ConversationId, phase: Phase) {
    if let Err(error) = channel.report_phase(conversation, phase).await {
        warn!(%conversation, ?phase, "phase report: {error}");
    }
}

impl Actor for ConversationActor {
    type Context = Context<Self>;
}

impl Handler<NewMessage> for ConversationActor {
    type Result = ();

    fn handle(&mut self, msg: NewMessage, ctx: &mut Context<Self>) {
        self.queue.push(msg.0);
        self.start_next(ctx);
    }
}

impl Handler<Stop> for ConversationActor {
    type Result = bool;

    fn handle(&mut self, _: Stop, _: &mut Context<Self>) -> bool {
        match &self.running {
            Some((_, stop)) => {
                stop.stop();
                true
            }
            None => false,
        }
    }
}

impl Handler<GetState> for ConversationActor {
    type Result = MessageResult<GetState>;

    fn handle(&mut self, _: GetState, _: &mut Context<Self>) -> Self::Result {
        MessageResult(ConversationState {
            session_id: self.session_id.clone(),
            running: self.running.as_ref().map(|(id, _)| id.clone()),
            queued: self.queue.clone(),
            tasks: self.tasks.clone(),
        })
    }
}

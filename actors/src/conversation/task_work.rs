//! The asynchronous part of one task, from the acknowledgement to the
//! journal's final state. The actor spawns it and keeps taking messages
//! meanwhile; what the actor itself must remember comes back in
//! [`WorkResult`] (and the session id early, through [`SessionSeen`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix::Recipient;
use tokio::sync::{Semaphore, mpsc};
use tracing::warn;

use super::INTERRUPTED_NOTICE;
use super::messages::SessionSeen;
use crate::channel::{Channel, ChannelError, Phase, PlanItem};
use crate::hub::{EventSink, GatewayEvent, TaskRef, now_ms};
use crate::intake::{InboundMessage, IntakeError, IntakeId, IntakeJournal};
use crate::sandbox::outcome::Outcome;
use crate::sandbox::stop_handle::StopHandle;
use crate::sandbox::stream_json::{ClaudeEvent, TodoItem};
use crate::task_runner::{TaskEnvironment, TaskInput, TaskOutput, run_task};

/// What the user is told when a task is stopped before it got a slot.
pub const STOPPED_BEFORE_START: &str =
    "The task was stopped on request before it started. Nothing was changed; reply to try again.";

pub(super) struct TaskWork {
    pub input: TaskInput,
    /// The newest message of the task: what the answers respond to.
    pub origin: InboundMessage,
    pub task: TaskRef,
    pub messages: Vec<IntakeId>,
    /// Send the "started working" acknowledgement first.
    pub acknowledge: bool,
    pub stop: StopHandle,
    /// Set when a shutdown, not a user, stops the task.
    pub interrupted: Arc<AtomicBool>,
    /// Set once the task holds its slot (a shutdown lets such a task finish
    /// within the drain time; one still waiting is put back instead).
    pub started: Arc<AtomicBool>,
    pub env: Arc<TaskEnvironment>,
    pub channel: Arc<dyn Channel>,
    pub journal: IntakeJournal,
    pub limiter: Option<Arc<Semaphore>>,
    pub events: EventSink,
    pub session_seen: Recipient<SessionSeen>,
}

pub(super) enum Ran {
    Output(Box<TaskOutput>),
    /// Infrastructure failure: the task could not run.
    Error(String),
    StoppedBeforeStart,
}

pub(super) struct WorkResult {
    pub ran: Ran,
    /// The text the user was sent (or was meant to be).
    pub text: String,
    pub delivered: Result<(), ChannelError>,
    pub interrupted: bool,
    /// Stopped by a shutdown before it ran; the journal still has it queued.
    pub requeued: bool,
}

pub(super) async fn perform(work: TaskWork) -> WorkResult {
    let TaskWork {
        input,
        origin,
        task,
        messages,
        acknowledge,
        stop,
        interrupted,
        started,
        env,
        channel,
        journal,
        limiter,
        events,
        session_seen,
    } = work;
    let conversation = task.conversation_id.clone();
    if let Err(error) = channel.remember_origin(&conversation, &origin).await {
        warn!(%conversation, "channel could not note the message to answer: {error}");
    }
    // The acknowledgement goes out while the task starts (its SMTP round
    // trip would otherwise delay the container); it is awaited before the
    // answer so it always arrives first.
    let acknowledged = acknowledge.then(|| {
        let channel = Arc::clone(&channel);
        let conversation = conversation.clone();
        let model = input.model.clone();
        tokio::spawn(async move {
            if let Err(error) = channel.acknowledge(&conversation, &model).await {
                warn!(%conversation, "acknowledgement: {error}");
            }
        })
    });
    report(&*channel, &task, Phase::Preparing).await;
    // A closed semaphore runs the task unlimited rather than dropping it.
    let permit = match limiter {
        Some(limiter) => tokio::select! {
            permit = limiter.acquire_owned() => permit.ok(),
            () = stop.stopped() => None,
        },
        None => None,
    };
    started.store(true, Ordering::SeqCst);
    let ran = if stop.is_stopped() {
        if interrupted.load(Ordering::SeqCst) {
            // A shutdown caught it before it ran: the messages stay queued
            // in the journal and run after the next start; nobody is told.
            events.publish(GatewayEvent::TaskFinished {
                task,
                outcome: "requeued".into(),
                error: None,
                session_id: None,
                cost_usd: None,
                replied: false,
                at_ms: now_ms(),
            });
            return WorkResult {
                ran: Ran::StoppedBeforeStart,
                text: String::new(),
                delivered: Ok(()),
                interrupted: true,
                requeued: true,
            };
        }
        Ran::StoppedBeforeStart
    } else {
        // Only now is the task really running: a crash before this point
        // leaves the messages queued, so the next process runs them.
        let marking = messages.clone();
        let task_id = task.task_id.clone();
        let marked = blocking(&journal, move |j| j.mark_running(&marking, &task_id)).await;
        if let Err(error) = marked {
            warn!(task = task.task_id, "journal: {error}");
        }
        events.publish(GatewayEvent::TaskStarted {
            task: task.clone(),
            resumed_session: input.resume_session.clone(),
            at_ms: now_ms(),
        });
        report(&*channel, &task, Phase::Running).await;
        let (plans, forwarder) = plan_forwarder(Arc::clone(&channel), conversation.clone());
        let mut last_plan: Option<Vec<TodoItem>> = None;
        let mut seen_session = input.resume_session.clone();
        let result = run_task(&env, &input, stop.clone(), |event: &ClaudeEvent| {
            events.publish(GatewayEvent::Claude {
                task: task.clone(),
                event: event.raw.clone(),
            });
            if event.is_init()
                && !event.session_id.is_empty()
                && seen_session.as_deref() != Some(event.session_id.as_str())
            {
                seen_session = Some(event.session_id.clone());
                session_seen.do_send(SessionSeen(event.session_id.clone()));
            }
            if let Some(todos) = event.todo_list()
                && last_plan.as_ref() != Some(&todos)
            {
                let _ = plans.send(todos.iter().map(plan_item).collect());
                events.publish(GatewayEvent::Plan {
                    task: task.clone(),
                    todos: todos.clone(),
                });
                last_plan = Some(todos);
            }
        })
        .await;
        drop(plans);
        let _ = forwarder.await;
        match result {
            Ok(output) => Ran::Output(Box::new(output)),
            Err(error) => Ran::Error(error.to_string()),
        }
    };
    drop(permit);

    let interrupted = interrupted.load(Ordering::SeqCst);
    let (text, ok) = match &ran {
        _ if interrupted => (INTERRUPTED_NOTICE.to_string(), false),
        Ran::Output(output) => (
            output.reply_text.clone(),
            output.result.outcome == Outcome::Success,
        ),
        Ran::Error(error) => (format!("The task could not run: {error}"), false),
        Ran::StoppedBeforeStart => (STOPPED_BEFORE_START.to_string(), false),
    };
    if let Some(acknowledged) = acknowledged {
        let _ = acknowledged.await;
    }
    // Files the agent left in the outbox go out even when the run failed
    // (gateway.md G15): the text still says what went wrong.
    let delivered = match &ran {
        Ran::Output(output) if !interrupted && (ok || !output.outbox_files.is_empty()) => {
            channel
                .reply(&conversation, &text, &output.outbox_files)
                .await
        }
        _ => channel.error_reply(&conversation, &text).await,
    };
    report(
        &*channel,
        &task,
        if ok { Phase::Completed } else { Phase::Failed },
    )
    .await;

    let marked = match (&ran, &delivered) {
        // Not told: the next boot repeats the notice for `running` entries.
        (_, Err(_)) if interrupted => Ok(()),
        _ if interrupted => {
            let ids = messages.clone();
            blocking(&journal, move |j| j.mark_interrupted(&ids)).await
        }
        (_, Err(error)) => {
            let (ids, reason) = (messages.clone(), format!("reply not delivered: {error}"));
            blocking(&journal, move |j| j.mark_failed(&ids, &reason)).await
        }
        (Ran::Output(output), Ok(())) if output.result.outcome.is_success() => {
            let ids = messages.clone();
            blocking(&journal, move |j| j.mark_done(&ids)).await
        }
        (Ran::Output(output), Ok(())) => {
            let (ids, reason) = (
                messages.clone(),
                format!("task {}", output.result.outcome.as_str()),
            );
            blocking(&journal, move |j| j.mark_failed(&ids, &reason)).await
        }
        (Ran::Error(error), Ok(())) => {
            let (ids, reason) = (messages.clone(), error.clone());
            blocking(&journal, move |j| j.mark_failed(&ids, &reason)).await
        }
        (Ran::StoppedBeforeStart, Ok(())) => {
            let ids = messages.clone();
            blocking(&journal, move |j| {
                j.mark_failed(&ids, "stopped before it started")
            })
            .await
        }
    };
    if let Err(error) = marked {
        warn!(task = task.task_id, "journal: {error}");
    }

    let (outcome, error, session_id, cost_usd) = match &ran {
        Ran::Output(output) => (
            output.result.outcome.as_str().to_string(),
            None,
            output.result.session_id.clone(),
            output.result.total_cost_usd,
        ),
        Ran::Error(error) => ("error".to_string(), Some(error.clone()), None, None),
        Ran::StoppedBeforeStart => ("stopped".to_string(), None, None, None),
    };
    events.publish(GatewayEvent::TaskFinished {
        task,
        outcome: if interrupted {
            "interrupted".into()
        } else {
            outcome
        },
        error,
        session_id,
        cost_usd,
        replied: delivered.is_ok(),
        at_ms: now_ms(),
    });
    WorkResult {
        ran,
        text,
        delivered,
        interrupted,
        requeued: false,
    }
}

/// Plan updates go to the channel one at a time, in order, off the event
/// callback (which must not wait on the network).
fn plan_forwarder(
    channel: Arc<dyn Channel>,
    conversation: crate::intake::ConversationId,
) -> (
    mpsc::UnboundedSender<Vec<PlanItem>>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<PlanItem>>();
    let forwarder = tokio::spawn(async move {
        while let Some(mut items) = rx.recv().await {
            // only the newest list matters when several are waiting
            while let Ok(newer) = rx.try_recv() {
                items = newer;
            }
            if let Err(error) = channel.plan_update(&conversation, &items).await {
                warn!(%conversation, "plan update: {error}");
            }
        }
    });
    (tx, forwarder)
}

fn plan_item(todo: &TodoItem) -> PlanItem {
    PlanItem {
        content: todo.content.clone(),
        status: todo.status.as_str().to_string(),
    }
}

async fn report(channel: &dyn Channel, task: &TaskRef, phase: Phase) {
    if let Err(error) = channel.report_phase(&task.conversation_id, phase).await {
        warn!(task = task.task_id, ?phase, "phase report: {error}");
    }
}

/// Journal writes flush to disk: off the async threads.
async fn blocking(
    journal: &IntakeJournal,
    f: impl FnOnce(&IntakeJournal) -> Result<(), IntakeError> + Send + 'static,
) -> Result<(), String> {
    let journal = journal.clone();
    match tokio::task::spawn_blocking(move || f(&journal)).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

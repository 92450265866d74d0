//! The Slack channel's answers (reference S10, S15–S20): every answer of a
//! conversation goes into the Slack thread its messages came from. The
//! thread is learnt from `remember_origin` (the core calls it before any
//! answer, also after a restart) and kept in memory only.
//!
//! Channels show progress with reactions on the message (👀, then ✅ or
//! ❌); DMs (the Agents & AI Apps surface) with the assistant status line
//! and a thread title. The agent's `TodoWrite` list is one message in the
//! thread, posted on the first update and edited after, at most once per
//! `plan_debounce` with a trailing send so the last state always shows.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use slack_morphism::prelude::{
    SlackApiAssistantThreadSetTitleRequest, SlackApiAssistantThreadsSetStatusRequest,
    SlackApiChatPostMessageRequest, SlackApiChatUpdateRequest, SlackApiReactionsAddRequest,
    SlackApiReactionsRemoveRequest, SlackApiUsersInfoRequest, SlackBlock, SlackChannelId,
    SlackMessageContent, SlackReactionName, SlackTs, SlackUserId,
};
use tracing::{debug, warn};

use super::api::{SlackApi, api_error};
use super::events::Surface;
use super::origin::SlackOrigin;
use super::render::mentions::{Participant, participant, rewrite_mentions};
use super::render::mrkdwn::to_mrkdwn;
use super::render::notices::{
    RESPONSE_FILE, RESPONSE_TITLE, acknowledgement, answer_as_file, error_notice, split_footer,
    upload_failures,
};
use super::render::plan::render_plan;
use super::render::split::{Delivery, SplitLimits, plan_delivery, split_message};
use super::render::title::thread_title;
use crate::channel::{Channel, ChannelError, ChannelResult, Phase, PlanItem};
use crate::intake::{ConversationId, InboundMessage};

/// The DM status while a task prepares (Slack locks the composer while a
/// status shows, so it is cleared once the task runs: follow-ups typed
/// during the run coalesce).
pub const WORKING_STATUS: &str = "is working on this...";
pub const EYES: &str = "eyes";
pub const DONE: &str = "white_check_mark";
pub const FAILED: &str = "x";
/// How long a profile read for mention matching is trusted (names change
/// rarely; one `users.info` per person per answer would be wasteful).
pub const USER_TTL: Duration = Duration::from_secs(300);

/// How the channel answers; `Default` is what production uses.
#[derive(Debug, Clone)]
pub struct SlackOutboundSettings {
    pub limits: SplitLimits,
    /// The dashboard's base URL, linked from the acknowledgement.
    pub dashboard_url: Option<String>,
    /// Least time between two sends of the plan message.
    pub plan_debounce: Duration,
}

impl Default for SlackOutboundSettings {
    fn default() -> SlackOutboundSettings {
        SlackOutboundSettings {
            limits: SplitLimits::default(),
            dashboard_url: None,
            plan_debounce: Duration::from_secs(1),
        }
    }
}

/// The answering side of one repo's Slack app.
#[derive(Clone)]
pub struct SlackChannel {
    inner: Arc<Inner>,
}

struct Inner {
    api: SlackApi,
    repo_id: String,
    settings: SlackOutboundSettings,
    threads: Mutex<HashMap<ConversationId, Thread>>,
    /// users.info answers, kept [`USER_TTL`]: `None` for bots, which are
    /// never mentioned.
    users: Mutex<HashMap<String, (Instant, Option<Participant>)>>,
}

struct Thread {
    origin: SlackOrigin,
    /// People who wrote in the thread (id, display name), first seen first.
    people: Vec<(String, String)>,
    /// The first message's text, for the DM title.
    first_body: String,
    phase: Option<Phase>,
    /// Messages showing 👀 until their task ends.
    watching: Vec<String>,
    plan: Arc<tokio::sync::Mutex<LivePlan>>,
}

/// The plan message of the task in progress.
#[derive(Default)]
struct LivePlan {
    ts: Option<String>,
    last_sent: Option<Instant>,
    /// A newer list held back by the debounce.
    pending: Option<Vec<PlanItem>>,
    timer: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn failed(method: &str, error: &slack_morphism::errors::SlackClientError) -> ChannelError {
    ChannelError(format!("{method}: {}", api_error(error)))
}

impl SlackChannel {
    pub fn new(api: SlackApi, repo_id: String, settings: SlackOutboundSettings) -> SlackChannel {
        SlackChannel {
            inner: Arc::new(Inner {
                api,
                repo_id,
                settings,
                threads: Mutex::new(HashMap::new()),
                users: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl Inner {
    fn origin(&self, conversation: &ConversationId) -> Result<SlackOrigin, ChannelError> {
        lock(&self.threads)
            .get(conversation)
            .map(|t| t.origin.clone())
            .ok_or_else(|| {
                ChannelError(format!(
                    "no Slack thread known for conversation {conversation}"
                ))
            })
    }

    fn plan(&self, conversation: &ConversationId) -> Option<Arc<tokio::sync::Mutex<LivePlan>>> {
        lock(&self.threads)
            .get(conversation)
            .map(|t| Arc::clone(&t.plan))
    }

    async fn post(
        &self,
        origin: &SlackOrigin,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<String, ChannelError> {
        let mut content = SlackMessageContent::new().with_text(text);
        if let Some(blocks) = blocks {
            content = content.with_blocks(blocks);
        }
        let request = SlackApiChatPostMessageRequest::new(
            SlackChannelId::new(origin.channel_id.clone()),
            content,
        )
        .with_thread_ts(SlackTs::new(origin.thread_ts.clone()))
        // answers are read in the thread; previews of every link in
        // them would bury the text (§5 Slack 33)
        .with_unfurl_links(false)
        .with_unfurl_media(false);
        let posted = self
            .api
            .session()
            .chat_post_message(&request)
            .await
            .map_err(|e| failed("chat.postMessage", &e))?;
        Ok(posted.ts.0)
    }

    async fn update(
        &self,
        origin: &SlackOrigin,
        ts: &str,
        text: String,
        blocks: Vec<SlackBlock>,
    ) -> Result<(), ChannelError> {
        let content = SlackMessageContent::new()
            .with_text(text)
            .with_blocks(blocks);
        let request = SlackApiChatUpdateRequest::new(
            SlackChannelId::new(origin.channel_id.clone()),
            content,
            SlackTs::new(ts.to_string()),
        );
        self.api
            .session()
            .chat_update(&request)
            .await
            .map_err(|e| failed("chat.update", &e))?;
        Ok(())
    }

    async fn set_status(&self, origin: &SlackOrigin, status: &str) -> Result<(), ChannelError> {
        let request = SlackApiAssistantThreadsSetStatusRequest::new(
            SlackChannelId::new(origin.channel_id.clone()),
            status.to_string(),
            SlackTs::new(origin.thread_ts.clone()),
        );
        self.api
            .session()
            .assistant_threads_set_status(&request)
            .await
            .map_err(|e| failed("assistant.threads.setStatus", &e))?;
        Ok(())
    }

    async fn set_title(&self, origin: &SlackOrigin, title: &str) -> Result<(), ChannelError> {
        let request = SlackApiAssistantThreadSetTitleRequest::new(
            SlackChannelId::new(origin.channel_id.clone()),
            SlackTs::new(origin.thread_ts.clone()),
            title.to_string(),
        );
        self.api
            .session()
            .assistant_threads_set_title(&request)
            .await
            .map_err(|e| failed("assistant.threads.setTitle", &e))?;
        Ok(())
    }

    async fn react(&self, channel: &str, ts: &str, name: &str) -> Result<(), ChannelError> {
        let request = SlackApiReactionsAddRequest::new(
            SlackChannelId::new(channel.to_string()),
            SlackReactionName::new(name.to_string()),
            SlackTs::new(ts.to_string()),
        );
        match self.api.session().reactions_add(&request).await {
            Ok(_) => Ok(()),
            Err(e) if api_error(&e) == "already_reacted" => Ok(()),
            Err(e) => Err(failed("reactions.add", &e)),
        }
    }

    async fn unreact(&self, channel: &str, ts: &str, name: &str) -> Result<(), ChannelError> {
        let request = SlackApiReactionsRemoveRequest::new(SlackReactionName::new(name.to_string()))
            .with_channel(SlackChannelId::new(channel.to_string()))
            .with_timestamp(SlackTs::new(ts.to_string()));
        match self.api.session().reactions_remove(&request).await {
            Ok(_) => Ok(()),
            Err(e) if api_error(&e) == "no_reaction" => Ok(()),
            Err(e) => Err(failed("reactions.remove", &e)),
        }
    }

    /// 👀 on the message a task answers, once.
    async fn watch(&self, conversation: &ConversationId) -> Result<(), ChannelError> {
        let target = {
            let mut threads = lock(&self.threads);
            let Some(thread) = threads.get_mut(conversation) else {
                return Err(ChannelError(format!(
                    "no Slack thread known for conversation {conversation}"
                )));
            };
            let ts = thread.origin.message_ts.clone();
            if thread.watching.contains(&ts) {
                None
            } else {
                thread.watching.push(ts.clone());
                Some((thread.origin.channel_id.clone(), ts))
            }
        };
        match target {
            Some((channel, ts)) => self.react(&channel, &ts, EYES).await,
            None => Ok(()),
        }
    }

    /// 👀 becomes `outcome` on every message that showed it.
    async fn settle(
        &self,
        conversation: &ConversationId,
        outcome: &str,
    ) -> Result<(), ChannelError> {
        let (channel, watched) = {
            let mut threads = lock(&self.threads);
            let Some(thread) = threads.get_mut(conversation) else {
                return Ok(());
            };
            (
                thread.origin.channel_id.clone(),
                std::mem::take(&mut thread.watching),
            )
        };
        let mut result = Ok(());
        for ts in watched {
            if let Err(error) = self.unreact(&channel, &ts, EYES).await {
                debug!(repo = %self.repo_id, %conversation, "{error}");
            }
            if let Err(error) = self.react(&channel, &ts, outcome).await {
                result = Err(error);
            }
        }
        result
    }

    /// The thread's people as mention candidates (bots left out); a
    /// profile that cannot be read still matches by its display name.
    async fn participants(&self, conversation: &ConversationId) -> Vec<Participant> {
        let people = lock(&self.threads)
            .get(conversation)
            .map(|t| t.people.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        for (id, display) in people {
            let cached = lock(&self.users)
                .get(&id)
                .filter(|(at, _)| at.elapsed() < USER_TTL)
                .map(|(_, known)| known.clone());
            let known = match cached {
                Some(known) => known,
                None => match self.user(&id).await {
                    Ok(known) => {
                        lock(&self.users).insert(id.clone(), (Instant::now(), known.clone()));
                        known
                    }
                    Err(error) => {
                        debug!(repo = %self.repo_id, user = %id, "users.info: {error}");
                        Some(participant(&id, &display, "", ""))
                    }
                },
            };
            out.extend(known);
        }
        out
    }

    async fn user(&self, id: &str) -> Result<Option<Participant>, ChannelError> {
        let answer = self
            .api
            .session()
            .users_info(&SlackApiUsersInfoRequest::new(SlackUserId::new(
                id.to_string(),
            )))
            .await
            .map_err(|e| failed("users.info", &e))?;
        let user = answer.user;
        if user.flags.is_bot == Some(true) {
            return Ok(None);
        }
        let profile = user.profile.as_ref();
        let display = profile
            .and_then(|p| p.display_name.clone())
            .unwrap_or_default();
        let real = profile
            .and_then(|p| p.real_name.clone())
            .or(user.real_name.clone())
            .unwrap_or_default();
        let name = user.name.clone().unwrap_or_default();
        Ok(Some(participant(id, &display, &real, &name)))
    }

    /// Posts `items` now: the first time as a new message, then as edits.
    async fn send_plan(
        &self,
        conversation: &ConversationId,
        plan: &mut LivePlan,
        items: &[PlanItem],
    ) -> Result<(), ChannelError> {
        let Some(message) = render_plan(items) else {
            return Ok(());
        };
        let origin = self.origin(conversation)?;
        let blocks: Vec<SlackBlock> = serde_json::from_value(message.blocks)
            .map_err(|e| ChannelError(format!("plan blocks: {e}")))?;
        plan.last_sent = Some(Instant::now());
        match plan.ts.clone() {
            Some(ts) => self.update(&origin, &ts, message.text, blocks).await,
            None => {
                let ts = self.post(&origin, message.text, Some(blocks)).await?;
                plan.ts = Some(ts);
                Ok(())
            }
        }
    }

    /// Sends a held-back plan before an answer, so the plan shows the
    /// agent's last list, and ends the task's plan message.
    async fn finish_plan(&self, conversation: &ConversationId) {
        let Some(plan) = self.plan(conversation) else {
            return;
        };
        let mut plan = plan.lock().await;
        if let Some(items) = plan.pending.take()
            && let Err(error) = self.send_plan(conversation, &mut plan, &items).await
        {
            warn!(repo = %self.repo_id, %conversation, "plan update: {error}");
        }
        *plan = LivePlan::default();
    }

    async fn post_all(
        &self,
        origin: &SlackOrigin,
        chunks: Vec<String>,
    ) -> Result<(), ChannelError> {
        for chunk in chunks {
            self.post(origin, chunk, None).await?;
        }
        Ok(())
    }
}

/// Sends the held-back plan once the debounce has passed.
fn arm_plan_timer(
    inner: Arc<Inner>,
    conversation: ConversationId,
    plan: Arc<tokio::sync::Mutex<LivePlan>>,
    wait: Duration,
) {
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        let mut plan = plan.lock().await;
        plan.timer = false;
        if let Some(items) = plan.pending.take()
            && let Err(error) = inner.send_plan(&conversation, &mut plan, &items).await
        {
            warn!(repo = %inner.repo_id, %conversation, "plan update: {error}");
        }
    });
}

async fn read_outbox(path: &PathBuf) -> Result<(String, Vec<u8>), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    match tokio::fs::read(path).await {
        Ok(bytes) => Ok((name, bytes)),
        Err(error) => {
            debug!(file = %path.display(), "outbox file: {error}");
            Err(name)
        }
    }
}

impl Channel for SlackChannel {
    fn remember_origin<'a>(
        &'a self,
        conversation: &'a ConversationId,
        origin: &'a InboundMessage,
    ) -> ChannelResult<'a> {
        let parsed = SlackOrigin::from_refs(&origin.reply_refs);
        Box::pin(async move {
            let parsed = parsed.map_err(ChannelError)?;
            let mut threads = lock(&self.inner.threads);
            let sender = (origin.sender.id.clone(), origin.sender.display.clone());
            match threads.get_mut(conversation) {
                Some(thread) => {
                    if thread.origin.message_ts != parsed.message_ts {
                        // a new task: its plan is a new message
                        thread.plan = Arc::default();
                    }
                    thread.origin = parsed;
                    if !thread.people.iter().any(|(id, _)| *id == sender.0) {
                        thread.people.push(sender);
                    }
                }
                None => {
                    threads.insert(
                        conversation.clone(),
                        Thread {
                            origin: parsed,
                            people: vec![sender],
                            first_body: origin.body.clone(),
                            phase: None,
                            watching: Vec::new(),
                            plan: Arc::default(),
                        },
                    );
                }
            }
            Ok(())
        })
    }

    fn acknowledge<'a>(
        &'a self,
        conversation: &'a ConversationId,
        _model: &'a str,
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let inner = &self.inner;
            let origin = inner.origin(conversation)?;
            let text = acknowledgement(
                conversation.as_str(),
                inner.settings.dashboard_url.as_deref(),
            );
            match origin.surface {
                Surface::Channel => {
                    if let Err(error) = inner.watch(conversation).await {
                        warn!(repo = %inner.repo_id, %conversation, "reaction: {error}");
                    }
                    inner.post(&origin, text, None).await?;
                }
                Surface::Dm => {
                    let title = lock(&inner.threads)
                        .get(conversation)
                        .and_then(|t| thread_title(&t.first_body));
                    if let Some(title) = title
                        && let Err(error) = inner.set_title(&origin, &title).await
                    {
                        debug!(repo = %inner.repo_id, %conversation, "{error}");
                    }
                    inner.post(&origin, text, None).await?;
                    // the bot's post cleared the status; it stays while
                    // the task prepares
                    let preparing = lock(&inner.threads)
                        .get(conversation)
                        .is_some_and(|t| t.phase == Some(Phase::Preparing));
                    if preparing {
                        inner.set_status(&origin, WORKING_STATUS).await?;
                    }
                }
            }
            Ok(())
        })
    }

    fn report_phase<'a>(
        &'a self,
        conversation: &'a ConversationId,
        phase: Phase,
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let inner = &self.inner;
            let origin = inner.origin(conversation)?;
            if let Some(thread) = lock(&inner.threads).get_mut(conversation) {
                thread.phase = Some(phase);
            }
            match (origin.surface, phase) {
                (Surface::Dm, Phase::Preparing) => inner.set_status(&origin, WORKING_STATUS).await,
                (Surface::Dm, Phase::Running) => inner.set_status(&origin, "").await,
                // the answer's post clears the status
                (Surface::Dm, Phase::Completed | Phase::Failed) => Ok(()),
                (Surface::Channel, Phase::Preparing) => inner.watch(conversation).await,
                (Surface::Channel, Phase::Running) => Ok(()),
                (Surface::Channel, Phase::Completed) => inner.settle(conversation, DONE).await,
                (Surface::Channel, Phase::Failed) => inner.settle(conversation, FAILED).await,
            }
        })
    }

    fn reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
        files: &'a [PathBuf],
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let inner = &self.inner;
            let origin = inner.origin(conversation)?;
            inner.finish_plan(conversation).await;
            let participants = inner.participants(conversation).await;
            let rendered = rewrite_mentions(&to_mrkdwn(text), &participants);
            match plan_delivery(&rendered, &inner.settings.limits) {
                Delivery::Messages(chunks) => inner.post_all(&origin, chunks).await?,
                Delivery::File { chunks } => {
                    debug!(repo = %inner.repo_id, %conversation, chunks, "answer sent as a file");
                    let (body, footer) = split_footer(text);
                    let note = rewrite_mentions(
                        &answer_as_file(rendered.chars().count(), footer),
                        &participants,
                    );
                    let uploaded = inner
                        .api
                        .upload_file(
                            &origin.channel_id,
                            &origin.thread_ts,
                            RESPONSE_FILE,
                            RESPONSE_TITLE,
                            body.as_bytes().to_vec(),
                            Some(note),
                        )
                        .await;
                    if let Err(error) = uploaded {
                        // the answer matters more than its form: all of it
                        // as messages rather than none
                        warn!(repo = %inner.repo_id, %conversation, "answer as a file: {error}");
                        let chunks = split_message(&rendered, inner.settings.limits.max_chars);
                        inner.post_all(&origin, chunks).await?;
                    }
                }
            }
            let mut not_uploaded = Vec::new();
            for path in files {
                let (name, bytes) = match read_outbox(path).await {
                    Ok(file) => file,
                    Err(name) => {
                        not_uploaded.push(name);
                        continue;
                    }
                };
                if let Err(error) = inner
                    .api
                    .upload_file(
                        &origin.channel_id,
                        &origin.thread_ts,
                        &name,
                        &name,
                        bytes,
                        None,
                    )
                    .await
                {
                    warn!(repo = %inner.repo_id, %conversation, file = %name, "upload: {error}");
                    not_uploaded.push(name);
                }
            }
            if !not_uploaded.is_empty() {
                // the answer itself went out: a missing file is told, not fatal
                if let Err(error) = inner
                    .post(&origin, upload_failures(&not_uploaded), None)
                    .await
                {
                    warn!(repo = %inner.repo_id, %conversation, "upload note: {error}");
                }
            }
            Ok(())
        })
    }

    fn error_reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let inner = &self.inner;
            let origin = inner.origin(conversation)?;
            inner.finish_plan(conversation).await;
            let limits = &inner.settings.limits;
            let mut chunks = split_message(&error_notice(text), limits.max_chars);
            chunks.truncate(limits.max_messages.max(1));
            let posted = inner.post_all(&origin, chunks).await;
            if origin.surface == Surface::Channel
                && let Err(error) = inner.settle(conversation, FAILED).await
            {
                warn!(repo = %inner.repo_id, %conversation, "reaction: {error}");
            }
            posted
        })
    }

    fn plan_update<'a>(
        &'a self,
        conversation: &'a ConversationId,
        todos: &'a [PlanItem],
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let inner = &self.inner;
            let plan = inner.plan(conversation).ok_or_else(|| {
                ChannelError(format!(
                    "no Slack thread known for conversation {conversation}"
                ))
            })?;
            let mut state = plan.lock().await;
            let debounce = inner.settings.plan_debounce;
            let wait = state
                .last_sent
                .map(|sent| debounce.saturating_sub(sent.elapsed()))
                .unwrap_or_default();
            if wait.is_zero() {
                state.pending = None;
                return inner.send_plan(conversation, &mut state, todos).await;
            }
            state.pending = Some(todos.to_vec());
            if !state.timer {
                state.timer = true;
                arm_plan_timer(
                    Arc::clone(inner),
                    conversation.clone(),
                    Arc::clone(&plan),
                    wait,
                );
            }
            Ok(())
        })
    }

    fn cleanup<'a>(&'a self, conversation: &'a ConversationId) -> ChannelResult<'a> {
        lock(&self.inner.threads).remove(conversation);
        Box::pin(async { Ok(()) })
    }
}

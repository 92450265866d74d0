//! From an Events API payload to a journaled message: classify (dropping
//! bots, subtypes, other channels and unengaged threads silently), skip
//! redeliveries, authorize (recording refusals on the dashboard), build
//! the message (names, replay, files) and submit it to the repo, which
//! journals it. Only then does the socket acknowledge the envelope.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::Addr;
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use tracing::{debug, info, warn};

use super::api::SlackApi;
use super::authorizer::{Authorizer, Directory};
use super::events::{Candidate, Classified, Engagement, Filters, SlackEvent, classify};
use super::inbound::{self, BuildContext, InboundLimits};
use super::recent_keys::RecentKeys;
use super::socket::EnvelopeHandler;
use crate::hub::{EventSink, GatewayEvent, now_ms};
use crate::intake::{IntakeJournal, Recorded};
use crate::repo::{RepoActor, Submit};

/// A copy of a message already being worked on waits this long for the
/// first to finish before it is left unacknowledged (Slack retries).
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(20);
const IN_FLIGHT_POLL: Duration = Duration::from_millis(50);
/// Assistant threads greeted recently, so a redelivered
/// `assistant_thread_started` does not greet twice.
pub const GREETED_MEMORY: usize = 512;
/// Messages refused recently, so the `app_mention` and `message` copies of
/// one refused message show as one rejection.
pub const REJECTED_MEMORY: usize = 512;

pub const GREETING: &str = "Hello! How can I help you today?";
pub const GREETING_STATUS: &str = "is getting ready...";

pub struct SlackIntake<D> {
    pub repo_id: String,
    pub api: SlackApi,
    pub authorizer: Arc<Authorizer<D>>,
    /// Read only: sticky threads and redeliveries. Writes go through the
    /// repo actor.
    pub journal: IntakeJournal,
    pub allowed_channels: Vec<String>,
    pub repo: Addr<RepoActor>,
    /// `<repo>/incoming`.
    pub staging: PathBuf,
    pub events: EventSink,
    pub limits: InboundLimits,
    pub in_flight: Mutex<HashSet<String>>,
    pub greeted: RecentKeys,
    pub rejected: RecentKeys,
}

impl<D: Directory + 'static> EnvelopeHandler for SlackIntake<D> {
    fn handle(self: Arc<Self>, payload: Value) -> BoxFuture<'static, bool> {
        Box::pin(async move { self.take(payload).await })
    }
}

/// Removes a key from the in-flight set however the work ends.
struct InFlight<'a> {
    set: &'a Mutex<HashSet<String>>,
    key: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(self.set).remove(&self.key);
    }
}

impl<D: Directory + 'static> SlackIntake<D> {
    /// `true`: acknowledge the envelope.
    async fn take(&self, payload: Value) -> bool {
        let Some(event) = payload.get("event") else {
            return true;
        };
        let event: SlackEvent = match serde_json::from_value(event.clone()) {
            Ok(event) => event,
            Err(error) => {
                // It will not parse better on a retry.
                warn!(repo = self.repo_id, %error, "slack: unreadable event dropped");
                return true;
            }
        };
        let workspace = self.authorizer.workspace().await;
        let filters = Filters {
            bot_user_id: workspace.as_ref().map(|w| w.bot_user_id.clone()),
            allowed_channels: self.allowed_channels.clone(),
        };
        let classified = classify(&event, &filters, |thread| self.thread_engaged(thread));
        match classified {
            Classified::Ignore(why) => {
                debug!(
                    repo = self.repo_id,
                    kind = event.kind,
                    ?why,
                    "slack: event ignored"
                );
                true
            }
            Classified::AssistantThreadStarted { channel, thread_ts } => {
                self.greet(&channel, &thread_ts).await;
                true
            }
            Classified::Message(candidate) => {
                self.take_message(candidate, filters.bot_user_id.as_deref())
                    .await
            }
        }
    }

    /// A sled read of one key: microseconds, so it runs inline.
    fn thread_engaged(&self, thread: &str) -> bool {
        match self.journal.thread_conversation(&self.repo_id, thread) {
            Ok(found) => found.is_some(),
            Err(error) => {
                warn!(repo = self.repo_id, %error, "slack: reading the thread map failed");
                false
            }
        }
    }

    fn recorded(&self, dedupe: &str) -> bool {
        self.journal
            .is_recorded(&self.repo_id, dedupe)
            .unwrap_or(false)
    }

    async fn take_message(&self, candidate: Candidate, bot_user_id: Option<&str>) -> bool {
        let dedupe = candidate.dedupe_key();
        if self.recorded(&dedupe) {
            debug!(
                repo = self.repo_id,
                dedupe, "slack: redelivery acknowledged"
            );
            return true;
        }
        // The same message can arrive twice at once (`app_mention` and
        // `message`, or a retry of a slow first delivery): the copy waits
        // for the first and is acknowledged if that one was journaled.
        let mut waited = Duration::ZERO;
        while !lock(&self.in_flight).insert(dedupe.clone()) {
            if waited >= IN_FLIGHT_WAIT {
                return false;
            }
            tokio::time::sleep(IN_FLIGHT_POLL).await;
            waited += IN_FLIGHT_POLL;
            if self.recorded(&dedupe) {
                return true;
            }
        }
        let _guard = InFlight {
            set: &self.in_flight,
            key: dedupe.clone(),
        };
        if self.recorded(&dedupe) {
            return true;
        }

        let sender = match self.authorizer.authorize(&candidate.user).await {
            Ok(sender) => sender,
            Err(rejection) => {
                if !self.rejected.first_time(&dedupe) {
                    return true;
                }
                let shown = match self.authorizer.user(&candidate.user).await {
                    Ok(Some(user)) => user.attribution(),
                    _ => candidate.user.clone(),
                };
                warn!(
                    repo = self.repo_id,
                    user = candidate.user,
                    kind = rejection.kind(),
                    "slack message rejected: {}",
                    rejection.reason()
                );
                self.events.publish(GatewayEvent::MessageRejected {
                    repo_id: self.repo_id.clone(),
                    channel: "slack".into(),
                    sender: shown,
                    kind: rejection.kind().into(),
                    reason: rejection.reason(),
                    at_ms: now_ms(),
                });
                return true;
            }
        };
        let replay = candidate.joins_existing_thread()
            && candidate.engagement != Engagement::Sticky
            && !self.thread_engaged(&candidate.thread_key());
        let cx = BuildContext {
            api: &self.api,
            authorizer: &self.authorizer,
            repo_id: &self.repo_id,
            bot_user_id,
            staging: &self.staging,
            limits: &self.limits,
        };
        let message = inbound::build(&cx, &candidate, &sender, replay).await;
        match self.repo.send(Submit(message)).await {
            Ok(Ok(Recorded::Accepted {
                conversation_id, ..
            })) => {
                info!(
                    repo = self.repo_id,
                    conversation = %conversation_id,
                    user = candidate.user,
                    surface = candidate.surface.as_str(),
                    "slack message accepted"
                );
                true
            }
            Ok(Ok(Recorded::Duplicate { .. })) => true,
            Ok(Err(error)) => {
                warn!(repo = self.repo_id, %error, "slack: journaling failed; Slack will redeliver");
                false
            }
            Err(error) => {
                warn!(repo = self.repo_id, %error, "slack: repo actor unavailable; Slack will redeliver");
                false
            }
        }
    }

    /// A new assistant thread: a status while the greeting is posted
    /// (posting clears it). Best effort.
    async fn greet(&self, channel: &str, thread_ts: &str) {
        if !self.greeted.first_time(&format!("{channel}:{thread_ts}")) {
            return;
        }
        let status =
            json!({"channel_id": channel, "thread_ts": thread_ts, "status": GREETING_STATUS});
        if let Err(error) = self
            .api
            .post_json("assistant.threads.setStatus", &status)
            .await
        {
            debug!(repo = self.repo_id, %error, "slack: setting the greeting status failed");
        }
        let greeting = json!({"channel": channel, "thread_ts": thread_ts, "text": GREETING});
        if let Err(error) = self.api.post_json("chat.postMessage", &greeting).await {
            warn!(repo = self.repo_id, %error, "slack: posting the greeting failed");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

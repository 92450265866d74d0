//! Starts a repo's Slack channel: the Socket Mode listener (journaling
//! through [`SlackIntake`]) and the answering side, and reports the
//! listener's health as `ChannelHealth` events.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::Addr;
use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::api::SlackApi;
use super::authorizer::{Authorizer, LOOKUP_TTL};
use super::directory::SlackDirectory;
use super::inbound::InboundLimits;
use super::intake::SlackIntake;
use super::outbound::{SlackChannel, SlackOutboundSettings};
use super::socket::{self, SocketHealth, SocketSettings};
use crate::channel::{
    Channel, ChannelContext, ChannelError, ChannelFactory, Listener, StartedChannel,
};
use crate::config::{ChannelKind, RepoConfig, SlackConfig};
use crate::hub::{EventSink, GatewayEvent};
use crate::intake::IntakeJournal;
use crate::repo::RepoActor;

/// First wait after a failed connection; doubled up to [`MAX_BACKOFF`].
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(120);

pub struct SlackChannelFactory;

impl ChannelFactory for SlackChannelFactory {
    fn start<'a>(
        &'a self,
        repo: &'a RepoConfig,
        intake: Addr<RepoActor>,
        context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>> {
        Box::pin(async move {
            let Some(slack) = &repo.slack else {
                return Err(ChannelError(format!(
                    "repo {} has no slack block",
                    repo.repo_id
                )));
            };
            start_slack(&repo.repo_id, slack, intake, context)
        })
    }
}

fn start_slack(
    repo_id: &str,
    slack: &SlackConfig,
    intake: Addr<RepoActor>,
    context: ChannelContext,
) -> Result<StartedChannel, ChannelError> {
    let api = SlackApi::new(&slack.api_url, &slack.bot_token)?;
    let authorizer = Arc::new(Authorizer::new(
        SlackDirectory(api.clone()),
        slack.authorized.clone(),
        LOOKUP_TTL,
    ));
    let handler = Arc::new(SlackIntake {
        repo_id: repo_id.to_string(),
        api: api.clone(),
        authorizer: authorizer.clone(),
        journal: IntakeJournal::new(context.store.clone()),
        allowed_channels: slack.allowed_channels.clone(),
        repo: intake,
        staging: context.repo_dir.join("incoming"),
        events: context.events.clone(),
        limits: InboundLimits::default(),
        in_flight: Mutex::new(HashSet::new()),
        greeted: Mutex::new(VecDeque::new()),
    });
    let settings = SocketSettings {
        api: api.clone(),
        app_token: slack.app_token.clone(),
        initial_backoff: INITIAL_BACKOFF,
        max_backoff: MAX_BACKOFF,
    };
    let (health_tx, health_rx) = watch::channel(SocketHealth::Starting);
    let (stop_tx, stop_rx) = watch::channel(false);
    // The bot's user id is needed to see mentions in `message` events;
    // learn it now rather than on the first event.
    actix::spawn(async move {
        authorizer.workspace().await;
    });
    let listening = actix::spawn(socket::run(settings, handler, health_tx, stop_rx));
    actix::spawn(report_health(
        repo_id.to_string(),
        health_rx,
        context.events.clone(),
    ));
    Ok(StartedChannel {
        kind: ChannelKind::Slack,
        channel: outbound_channel(api, repo_id, &context),
        listener: Some(Box::new(SlackListener {
            stop: stop_tx,
            task: listening,
        })),
    })
}

/// The answering side (slack-outbound's `SlackChannel`).
fn outbound_channel(api: SlackApi, repo_id: &str, context: &ChannelContext) -> Arc<dyn Channel> {
    let settings = SlackOutboundSettings {
        dashboard_url: context.dashboard_url.clone(),
        ..SlackOutboundSettings::default()
    };
    Arc::new(SlackChannel::new(api, repo_id.to_string(), settings))
}

struct SlackListener {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener for SlackListener {
    fn stop(self: Box<Self>) -> BoxFuture<'static, ()> {
        let _ = self.stop.send(true);
        let task = self.task;
        Box::pin(async move {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        })
    }
}

async fn report_health(
    repo_id: String,
    mut health: watch::Receiver<SocketHealth>,
    events: EventSink,
) {
    loop {
        let (state, error) = match &*health.borrow_and_update() {
            SocketHealth::Starting => ("starting".to_string(), None),
            SocketHealth::Connected => ("connected".to_string(), None),
            SocketHealth::Degraded { error, .. } => ("degraded".to_string(), Some(error.clone())),
            SocketHealth::Stopped => ("stopped".to_string(), None),
        };
        events.publish(GatewayEvent::ChannelHealth {
            repo_id: repo_id.clone(),
            channel: "slack".into(),
            state,
            error,
        });
        if health.changed().await.is_err() {
            return;
        }
    }
}

//! How the gateway gets a repo's channel: the factory starts the channel's
//! listener (which submits authenticated messages to the repo's actor) and
//! hands back the outbound half for the repo's conversations.

use std::path::PathBuf;
use std::sync::Arc;

use actix::Addr;
use futures_util::future::BoxFuture;

use super::{Channel, ChannelError};
use crate::config::{ChannelKind, RepoConfig};
use crate::hub::EventSink;
use crate::repo::RepoActor;
use crate::store::Store;

/// A started channel of one repo.
pub struct StartedChannel {
    pub kind: ChannelKind,
    pub channel: Arc<dyn Channel>,
    /// Stopped first on shutdown, so no message arrives while the gateway
    /// drains. `None` for channels without a listener of their own.
    pub listener: Option<Box<dyn Listener>>,
}

/// The inbound half of a channel (IMAP IDLE loop, Slack socket).
pub trait Listener: Send {
    /// Stops receiving; messages already submitted stay journaled.
    fn stop(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// What the gateway gives a channel besides its config.
#[derive(Clone)]
pub struct ChannelContext {
    /// Health changes and rejected messages go here.
    pub events: EventSink,
    /// For the channel's own records (email threads, Slack thread map).
    pub store: Store,
    /// `<state>/<repo>`: attachments are staged under it.
    pub repo_dir: PathBuf,
    /// `dashboard.base_url`, for links in acknowledgements.
    pub dashboard_url: Option<String>,
}

pub trait ChannelFactory: Send + Sync {
    /// Starts the channel of `repo`; its listener submits to `intake`
    /// (`crate::repo::Submit`) and acknowledges upstream only after an `Ok`.
    fn start<'a>(
        &'a self,
        repo: &'a RepoConfig,
        intake: Addr<RepoActor>,
        context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>>;
}

/// A channel this build does not have (Slack until it lands): the repo
/// fails to start with a message saying so, and the others run.
pub struct UnavailableChannels;

/// What `airut run` uses: the email channel for repos with `email:`, the
/// Slack channel for repos with `slack:`, and both behind a
/// [`super::RoutedChannel`] for repos with both.
pub struct ProductionChannels;

impl ChannelFactory for ProductionChannels {
    fn start<'a>(
        &'a self,
        repo: &'a RepoConfig,
        intake: Addr<RepoActor>,
        context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>> {
        match (repo.email.is_some(), repo.slack.is_some()) {
            (true, false) => super::email::EmailChannelFactory.start(repo, intake, context),
            (false, true) => super::slack::SlackChannelFactory.start(repo, intake, context),
            (true, true) => Box::pin(start_both(repo, intake, context)),
            (false, false) => UnavailableChannels.start(repo, intake, context),
        }
    }
}

/// Email first (the fallback for conversations without an origin), then
/// Slack; if Slack cannot start, email's listener is stopped again.
async fn start_both(
    repo: &RepoConfig,
    intake: Addr<RepoActor>,
    context: ChannelContext,
) -> Result<StartedChannel, ChannelError> {
    let email = super::email::EmailChannelFactory
        .start(repo, intake.clone(), context.clone())
        .await?;
    let slack = match super::slack::SlackChannelFactory
        .start(repo, intake, context)
        .await
    {
        Ok(slack) => slack,
        Err(error) => {
            if let Some(listener) = email.listener {
                listener.stop().await;
            }
            return Err(error);
        }
    };
    let listeners: Vec<Box<dyn Listener>> =
        email.listener.into_iter().chain(slack.listener).collect();
    Ok(StartedChannel {
        kind: email.kind,
        channel: Arc::new(super::RoutedChannel::new(vec![
            (email.kind, email.channel),
            (slack.kind, slack.channel),
        ])),
        listener: Some(Box::new(super::RoutedListener(listeners))),
    })
}

impl ChannelFactory for UnavailableChannels {
    fn start<'a>(
        &'a self,
        repo: &'a RepoConfig,
        _intake: Addr<RepoActor>,
        _context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>> {
        let kind = if repo.slack.is_some() {
            "slack"
        } else {
            "email"
        };
        Box::pin(async move {
            Err(ChannelError(format!(
                "the {kind} channel is not available in this build"
            )))
        })
    }
}

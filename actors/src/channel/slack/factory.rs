//! Starts a repo's Slack channel: the Socket Mode listener (journaling
//! through [`SlackIntake`]) and the answering side, and reports the
//! listener's health as `ChannelHealth` events.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::Addr;
use futures_util::future::BoxFuture;
use tracing::warn;

use super::api::SlackApi;
use super::authorizer::{Authorizer, LOOKUP_TTL};
use super::directory::SlackDirectory;
use super::inbound::InboundLimits;
use super::intake::{GREETED_MEMORY, REJECTED_MEMORY, SlackIntake};
use super::outbound::{SlackChannel, SlackOutboundSettings};
use super::recent_keys::RecentKeys;
use super::socket::{self, SocketSettings};
use crate::channel::{
    Channel, ChannelContext, ChannelError, ChannelFactory, StartedChannel, spawn_listener,
};
use crate::config::{ChannelKind, RepoConfig, SlackConfig};
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
            let api = SlackApi::new(&slack.api_url, &slack.bot_token)?;
            check_bot_token(&api, &repo.repo_id).await?;
            start_slack(api, &repo.repo_id, slack, intake, context)
        })
    }
}

/// A wrong or revoked bot token fails the repo's start with a message
/// naming the key (the gateway shows it and retries), instead of every
/// message later being refused as "workspace unknown". Other failures —
/// Slack unreachable for a moment — do not hold the channel back: the
/// authorizer asks again per message.
async fn check_bot_token(api: &SlackApi, repo_id: &str) -> Result<(), ChannelError> {
    match api.get_json("auth.test", &[]).await {
        Ok(_) => Ok(()),
        Err(error) if is_token_refusal(&error.0) => Err(ChannelError(format!(
            "Slack refused the bot token ({}); check repos.{repo_id}.slack.bot_token",
            error.0
        ))),
        Err(error) => {
            warn!(repo = repo_id, %error, "slack: auth.test failed at start; going on");
            Ok(())
        }
    }
}

/// Slack's error codes for a token that will not work until it is replaced.
fn is_token_refusal(error: &str) -> bool {
    const CODES: &[&str] = &[
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    ];
    CODES.iter().any(|code| error.contains(code))
}

fn start_slack(
    api: SlackApi,
    repo_id: &str,
    slack: &SlackConfig,
    intake: Addr<RepoActor>,
    context: ChannelContext,
) -> Result<StartedChannel, ChannelError> {
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
        greeted: RecentKeys::new(GREETED_MEMORY),
        rejected: RecentKeys::new(REJECTED_MEMORY),
    });
    let settings = SocketSettings {
        api: api.clone(),
        app_token: slack.app_token.clone(),
        initial_backoff: INITIAL_BACKOFF,
        max_backoff: MAX_BACKOFF,
    };
    // The bot's user id is needed to see mentions in `message` events;
    // learn it now rather than on the first event.
    actix::spawn(async move {
        authorizer.workspace().await;
    });
    let listener = spawn_listener(repo_id, "slack", context.events.clone(), |health, stop| {
        socket::run(settings, handler, health, stop)
    });
    Ok(StartedChannel {
        kind: ChannelKind::Slack,
        channel: outbound_channel(api, repo_id, &context),
        listener: Some(listener),
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

#[cfg(test)]
mod tests {
    use super::is_token_refusal;

    #[test]
    fn only_token_errors_fail_the_start() {
        assert!(is_token_refusal("auth.test: invalid_auth"));
        assert!(is_token_refusal(
            "auth.test: Slack API error: token_revoked"
        ));
        assert!(!is_token_refusal("auth.test: connection refused"));
        assert!(!is_token_refusal("auth.test: ratelimited"));
    }
}

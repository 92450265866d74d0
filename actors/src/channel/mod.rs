//! The channel contract (gateway.md G25): what a conversation needs from
//! the email or Slack channel that its messages came in on. Listening,
//! authentication and parsing stay inside each channel; this trait is only
//! the outbound half a conversation drives.
//!
//! Object safe (`Arc<dyn Channel>`): every method returns a boxed future.

mod background_listener;
pub mod email;
mod factory;
mod routed;
pub mod slack;
mod test_channel;
mod test_factory;

use std::path::PathBuf;

use futures_util::future::BoxFuture;
use thiserror::Error;

use crate::intake::{ConversationId, InboundMessage};

pub use background_listener::{ListenerHealth, spawn_listener};
pub use factory::{
    ChannelContext, ChannelFactory, Listener, ProductionChannels, StartedChannel,
    UnavailableChannels,
};
pub use routed::{RoutedChannel, RoutedListener};
pub use test_channel::{ChannelCall, TestChannel};
pub use test_factory::TestChannelFactory;

/// Where a task is, as shown to the user (email: nothing or a header;
/// Slack: a reaction or status line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Preparing,
    Running,
    Completed,
    Failed,
}

/// One item of the agent's todo list (Claude's `TodoWrite`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub content: String,
    /// `pending`, `in_progress` or `completed`, as the agent wrote it.
    pub status: String,
}

/// A reply or notice was not delivered.
#[derive(Debug, Error)]
#[error("channel: {0}")]
pub struct ChannelError(pub String);

pub type ChannelResult<'a> = BoxFuture<'a, Result<(), ChannelError>>;

/// The outbound side of a channel, per conversation.
pub trait Channel: Send + Sync {
    /// The message the next answers of `conversation` respond to (the
    /// newest of its task): called before the acknowledgement and any
    /// reply or notice, so a channel can thread them (email: To, subject,
    /// In-Reply-To, References). Channels that need nothing keep the
    /// default.
    fn remember_origin<'a>(
        &'a self,
        _conversation: &'a ConversationId,
        _origin: &'a InboundMessage,
    ) -> ChannelResult<'a> {
        Box::pin(async { Ok(()) })
    }

    /// The first message of a new conversation was accepted; `model` is
    /// the model the task will use.
    fn acknowledge<'a>(
        &'a self,
        conversation: &'a ConversationId,
        model: &'a str,
    ) -> ChannelResult<'a>;

    /// Best effort: callers log a failure and go on.
    fn report_phase<'a>(
        &'a self,
        conversation: &'a ConversationId,
        phase: Phase,
    ) -> ChannelResult<'a>;

    /// The task's answer with the files from its outbox. An error means the
    /// user did not get it.
    fn reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
        files: &'a [PathBuf],
    ) -> ChannelResult<'a>;

    /// The task could not run or failed; `text` says why.
    fn error_reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
    ) -> ChannelResult<'a>;

    /// The agent's plan changed (channels that cannot show it ignore it).
    fn plan_update<'a>(
        &'a self,
        conversation: &'a ConversationId,
        todos: &'a [PlanItem],
    ) -> ChannelResult<'a>;

    /// The conversation is gone; drop whatever the channel keeps for it
    /// (Slack's thread map, say).
    fn cleanup<'a>(&'a self, conversation: &'a ConversationId) -> ChannelResult<'a>;
}

//! A repo with both an `email:` and a `slack:` block: both channels run,
//! and each conversation is answered on the channel its latest message
//! came in on (`remember_origin` names it, before any answer and again
//! after a restart). Conversations with no known origin (schedules) go to
//! the first channel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures_util::future::{BoxFuture, join_all};

use super::{Channel, ChannelResult, Listener, Phase, PlanItem};
use crate::config::ChannelKind;
use crate::intake::{ConversationId, InboundMessage};

pub struct RoutedChannel {
    /// In priority order; the first is the fallback.
    channels: Vec<(ChannelKind, Arc<dyn Channel>)>,
    origins: Mutex<HashMap<ConversationId, ChannelKind>>,
}

impl RoutedChannel {
    /// `channels` must not be empty.
    pub fn new(channels: Vec<(ChannelKind, Arc<dyn Channel>)>) -> RoutedChannel {
        RoutedChannel {
            channels,
            origins: Mutex::new(HashMap::new()),
        }
    }

    fn channel_of(&self, kind: ChannelKind) -> Option<&Arc<dyn Channel>> {
        self.channels
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, c)| c)
    }

    /// The channel `conversation` is answered on.
    pub fn route(&self, conversation: &ConversationId) -> Option<&Arc<dyn Channel>> {
        let known = lock(&self.origins).get(conversation).copied();
        known
            .and_then(|kind| self.channel_of(kind))
            .or_else(|| self.channels.first().map(|(_, c)| c))
    }
}

fn unrouted<'a>() -> ChannelResult<'a> {
    Box::pin(async { Err(super::ChannelError("no channel configured".into())) })
}

impl Channel for RoutedChannel {
    fn remember_origin<'a>(
        &'a self,
        conversation: &'a ConversationId,
        origin: &'a InboundMessage,
    ) -> ChannelResult<'a> {
        if self.channel_of(origin.channel).is_some() {
            lock(&self.origins).insert(conversation.clone(), origin.channel);
        }
        match self.route(conversation) {
            Some(channel) => channel.remember_origin(conversation, origin),
            None => unrouted(),
        }
    }

    fn acknowledge<'a>(
        &'a self,
        conversation: &'a ConversationId,
        model: &'a str,
    ) -> ChannelResult<'a> {
        match self.route(conversation) {
            Some(channel) => channel.acknowledge(conversation, model),
            None => unrouted(),
        }
    }

    fn report_phase<'a>(
        &'a self,
        conversation: &'a ConversationId,
        phase: Phase,
    ) -> ChannelResult<'a> {
        match self.route(conversation) {
            Some(channel) => channel.report_phase(conversation, phase),
            None => unrouted(),
        }
    }

    fn reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
        files: &'a [PathBuf],
    ) -> ChannelResult<'a> {
        match self.route(conversation) {
            Some(channel) => channel.reply(conversation, text, files),
            None => unrouted(),
        }
    }

    fn error_reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
    ) -> ChannelResult<'a> {
        match self.route(conversation) {
            Some(channel) => channel.error_reply(conversation, text),
            None => unrouted(),
        }
    }

    fn plan_update<'a>(
        &'a self,
        conversation: &'a ConversationId,
        todos: &'a [PlanItem],
    ) -> ChannelResult<'a> {
        match self.route(conversation) {
            Some(channel) => channel.plan_update(conversation, todos),
            None => unrouted(),
        }
    }

    /// Every channel may hold something for the conversation (it may have
    /// moved between them), so all are told.
    fn cleanup<'a>(&'a self, conversation: &'a ConversationId) -> ChannelResult<'a> {
        Box::pin(async move {
            lock(&self.origins).remove(conversation);
            let results = join_all(
                self.channels
                    .iter()
                    .map(|(_, channel)| channel.cleanup(conversation)),
            )
            .await;
            results.into_iter().collect::<Result<Vec<()>, _>>()?;
            Ok(())
        })
    }
}

/// Stops every listener of a routed repo, together.
pub struct RoutedListener(pub Vec<Box<dyn Listener>>);

impl Listener for RoutedListener {
    fn stop(self: Box<Self>) -> BoxFuture<'static, ()> {
        let stops: Vec<_> = self.0.into_iter().map(|l| l.stop()).collect();
        Box::pin(async move {
            join_all(stops).await;
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[path = "routed_tests.rs"]
mod tests;

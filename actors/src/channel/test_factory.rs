//! A [`ChannelFactory`] of [`TestChannel`]s, for gateway tests: every repo
//! gets its own recording channel and no listener (tests submit straight
//! to the repo actor, as a channel's listener would).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use actix::Addr;
use futures_util::future::BoxFuture;

use super::{ChannelContext, ChannelError, ChannelFactory, StartedChannel, TestChannel};
use crate::config::{ChannelKind, RepoConfig};
use crate::repo::RepoActor;

#[derive(Default)]
pub struct TestChannelFactory {
    channels: Mutex<BTreeMap<String, Arc<TestChannel>>>,
}

impl TestChannelFactory {
    pub fn new() -> TestChannelFactory {
        TestChannelFactory::default()
    }

    /// The channel of `repo_id` (the same one across gateway restarts that
    /// share this factory).
    pub fn channel(&self, repo_id: &str) -> Arc<TestChannel> {
        let mut channels = match self.channels.lock() {
            Ok(channels) => channels,
            Err(poisoned) => poisoned.into_inner(),
        };
        Arc::clone(channels.entry(repo_id.to_string()).or_default())
    }
}

impl ChannelFactory for TestChannelFactory {
    fn start<'a>(
        &'a self,
        repo: &'a RepoConfig,
        _intake: Addr<RepoActor>,
        _context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>> {
        let channel = self.channel(&repo.repo_id);
        Box::pin(async move {
            Ok(StartedChannel {
                kind: ChannelKind::Email,
                channel,
                listener: None,
            })
        })
    }
}

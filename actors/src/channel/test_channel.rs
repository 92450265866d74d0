//! An in-process [`Channel`] that records every call, for tests.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use super::{Channel, ChannelResult, Phase, PlanItem};
use crate::intake::ConversationId;

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelCall {
    Acknowledge {
        conversation: ConversationId,
        model: String,
    },
    Phase {
        conversation: ConversationId,
        phase: Phase,
    },
    Reply {
        conversation: ConversationId,
        text: String,
        files: Vec<PathBuf>,
    },
    ErrorReply {
        conversation: ConversationId,
        text: String,
    },
    Plan {
        conversation: ConversationId,
        todos: Vec<PlanItem>,
    },
    Cleanup {
        conversation: ConversationId,
    },
}

impl ChannelCall {
    /// A reply or an error reply: what ends a task for the user.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            ChannelCall::Reply { .. } | ChannelCall::ErrorReply { .. }
        )
    }
}

/// Records calls; never fails.
#[derive(Debug, Default)]
pub struct TestChannel {
    calls: Mutex<Vec<ChannelCall>>,
    changed: Notify,
}

impl TestChannel {
    pub fn new() -> TestChannel {
        TestChannel::default()
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<ChannelCall> {
        self.lock().clone()
    }

    /// Waits until `done` holds for the recorded calls, or
    /// `timeout`; returns the calls either way.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&[ChannelCall]) -> bool,
    ) -> Vec<ChannelCall> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            {
                let calls = self.lock();
                if done(&calls) {
                    return calls.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.calls();
            }
        }
    }

    /// Waits for `n` answers (replies and error replies) in total.
    pub async fn wait_for_answers(&self, n: usize, timeout: Duration) -> Vec<ChannelCall> {
        self.wait_for(timeout, |calls| {
            calls.iter().filter(|c| c.is_answer()).count() >= n
        })
        .await
    }

    fn lock(&self) -> MutexGuard<'_, Vec<ChannelCall>> {
        // a test that panicked while holding the lock left usable data
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record(&self, call: ChannelCall) -> ChannelResult<'_> {
        self.lock().push(call);
        self.changed.notify_waiters();
        Box::pin(async { Ok(()) })
    }
}

impl Channel for TestChannel {
    fn acknowledge<'a>(
        &'a self,
        conversation: &'a ConversationId,
        model: &'a str,
    ) -> ChannelResult<'a> {
        self.record(ChannelCall::Acknowledge {
            conversation: conversation.clone(),
            model: model.to_string(),
        })
    }

    fn report_phase<'a>(
        &'a self,
        conversation: &'a ConversationId,
        phase: Phase,
    ) -> ChannelResult<'a> {
        self.record(ChannelCall::Phase {
            conversation: conversation.clone(),
            phase,
        })
    }

    fn reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
        files: &'a [PathBuf],
    ) -> ChannelResult<'a> {
        self.record(ChannelCall::Reply {
            conversation: conversation.clone(),
            text: text.to_string(),
            files: files.to_vec(),
        })
    }

    fn error_reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
    ) -> ChannelResult<'a> {
        self.record(ChannelCall::ErrorReply {
            conversation: conversation.clone(),
            text: text.to_string(),
        })
    }

    fn plan_update<'a>(
        &'a self,
        conversation: &'a ConversationId,
        todos: &'a [PlanItem],
    ) -> ChannelResult<'a> {
        self.record(ChannelCall::Plan {
            conversation: conversation.clone(),
            todos: todos.to_vec(),
        })
    }

    fn cleanup<'a>(&'a self, conversation: &'a ConversationId) -> ChannelResult<'a> {
        self.record(ChannelCall::Cleanup {
            conversation: conversation.clone(),
        })
    }
}

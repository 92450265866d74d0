//! The email channel's answers (reference E13–E16): every answer of a
//! conversation goes to the newest message of its task, in its thread.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::compose::{ComposeLimits, OutgoingFile, ReplyBody, ThreadContext, compose};
use super::content_type::content_type_for;
use super::sender::SmtpSender;
use super::thread_record::EmailThread;
use super::{MailError, SmtpLoginSource};
use crate::channel::{Channel, ChannelError, ChannelResult, Phase, PlanItem};
use crate::intake::{ConversationId, InboundMessage};
use crate::store::Store;

pub struct EmailChannel {
    /// `account.from`.
    pub from: String,
    pub store: Store,
    pub sender: SmtpSender,
    pub login: Arc<dyn SmtpLoginSource>,
    pub limits: ComposeLimits,
    pub dashboard_url: Option<String>,
    pub threads: Mutex<HashMap<ConversationId, EmailThread>>,
}

impl EmailChannel {
    fn thread(&self, conversation: &ConversationId) -> Result<EmailThread, ChannelError> {
        if let Some(thread) = self.lock().get(conversation) {
            return Ok(thread.clone());
        }
        match EmailThread::load(&self.store, conversation) {
            Ok(Some(thread)) => Ok(thread),
            Ok(None) => Err(ChannelError(format!(
                "no message to answer in conversation {conversation}"
            ))),
            Err(error) => Err(ChannelError(error.to_string())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, EmailThread>> {
        match self.threads.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    async fn send(
        &self,
        conversation: &ConversationId,
        body: ReplyBody<'_>,
        files: Vec<OutgoingFile>,
    ) -> Result<(), ChannelError> {
        let thread = self.thread(conversation)?;
        let context = ThreadContext {
            conversation: conversation.clone(),
            from: self.from.clone(),
            to: thread.to.clone(),
            original_subject: thread.subject.clone(),
            original_message_id: thread.message_id().map(str::to_string),
            original_references: thread.references(),
        };
        let now = jiff::Timestamp::now().as_second();
        let nonce: u32 = rand::random();
        let composed = compose(&context, body, files, &self.limits, now, nonce)
            .map_err(|e| ChannelError(e.to_string()))?;
        let login = self.login.login().await.map_err(to_channel)?;
        self.sender
            .send(&composed.message, &login)
            .await
            .map_err(to_channel)
    }
}

fn to_channel(error: MailError) -> ChannelError {
    ChannelError(error.to_string())
}

async fn read_files(paths: &[PathBuf]) -> Result<Vec<OutgoingFile>, ChannelError> {
    let mut files = Vec::new();
    for path in paths {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| ChannelError(format!("{}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        files.push(OutgoingFile {
            content_type: content_type_for(&name).to_string(),
            name,
            bytes,
        });
    }
    Ok(files)
}

impl Channel for EmailChannel {
    fn remember_origin<'a>(
        &'a self,
        conversation: &'a ConversationId,
        origin: &'a InboundMessage,
    ) -> ChannelResult<'a> {
        let thread = EmailThread::from_message(origin);
        let saved = thread.save(&self.store, conversation);
        self.lock().insert(conversation.clone(), thread);
        Box::pin(async move { saved.map_err(|e| ChannelError(e.to_string())) })
    }

    fn acknowledge<'a>(
        &'a self,
        conversation: &'a ConversationId,
        model: &'a str,
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let body = ReplyBody::Acknowledgement {
                model,
                dashboard_url: self.dashboard_url.as_deref(),
            };
            self.send(conversation, body, Vec::new()).await
        })
    }

    fn report_phase<'a>(&'a self, _: &'a ConversationId, _: Phase) -> ChannelResult<'a> {
        Box::pin(async { Ok(()) })
    }

    fn reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
        files: &'a [PathBuf],
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            let files = read_files(files).await?;
            self.send(conversation, ReplyBody::Answer { text }, files)
                .await
        })
    }

    fn error_reply<'a>(
        &'a self,
        conversation: &'a ConversationId,
        text: &'a str,
    ) -> ChannelResult<'a> {
        Box::pin(async move {
            self.send(conversation, ReplyBody::Error { text }, Vec::new())
                .await
        })
    }

    fn plan_update<'a>(&'a self, _: &'a ConversationId, _: &'a [PlanItem]) -> ChannelResult<'a> {
        // email shows no live plan
        Box::pin(async { Ok(()) })
    }

    fn cleanup<'a>(&'a self, conversation: &'a ConversationId) -> ChannelResult<'a> {
        self.lock().remove(conversation);
        let removed = EmailThread::remove(&self.store, conversation);
        Box::pin(async move { removed.map(|_| ()).map_err(|e| ChannelError(e.to_string())) })
    }
}

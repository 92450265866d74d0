//! From a fetched message to a journaled one: authenticate (silently
//! dropping and recording what fails), parse (quarantining what cannot be
//! parsed, including a parser panic), stage attachments, submit to the
//! repo (which journals), and only then let the listener remove it.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix::Addr;
use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use tracing::{info, warn};

use super::auth::{AuthPolicy, Rejection, authenticate};
use super::listener::{Disposition, MailboxMessage, MessageHandler};
use super::parse::{ParsedEmail, parse_email};
use crate::config::ChannelKind;
use crate::hub::{EventSink, GatewayEvent, now_ms};
use crate::intake::{Attachment, InboundMessage, Recorded, Sender};
use crate::repo::{RepoActor, Submit};

pub struct EmailIntake {
    pub repo_id: String,
    /// The mailbox Airut reads (for plus-addressed model hints).
    pub account_address: String,
    pub policy: AuthPolicy,
    pub authenticator: Option<Arc<mail_auth::MessageAuthenticator>>,
    pub repo: Addr<RepoActor>,
    /// `<repo>/incoming`: attachments are staged here until the task
    /// copies them to its inbox.
    pub staging: PathBuf,
    pub events: EventSink,
}

impl MessageHandler for EmailIntake {
    fn handle(&self, message: MailboxMessage) -> BoxFuture<'_, Disposition> {
        Box::pin(self.take(message))
    }
}

impl EmailIntake {
    async fn take(&self, message: MailboxMessage) -> Disposition {
        let sender =
            match authenticate(&message.raw, &self.policy, self.authenticator.as_deref()).await {
                Ok(sender) => sender,
                Err(rejection) => {
                    self.reject(&message, &rejection);
                    return Disposition::Done;
                }
            };
        let raw = &message.raw;
        let account = &self.account_address;
        let parsed = match std::panic::catch_unwind(AssertUnwindSafe(|| parse_email(raw, account)))
        {
            Ok(Ok(parsed)) => parsed,
            Ok(Err(error)) => return Disposition::Quarantine(error.to_string()),
            Err(_) => return Disposition::Quarantine("the parser failed on this message".into()),
        };
        let dedupe_key = match &parsed.message_id {
            Some(id) => format!("msgid:{id}"),
            None => format!("imap:{}:{}", message.uid_validity, message.uid),
        };
        let attachments = match stage(&self.staging, &dedupe_key, &parsed) {
            Ok(attachments) => attachments,
            Err(error) => return Disposition::Retry(format!("staging attachments: {error}")),
        };
        let inbound = InboundMessage {
            channel: ChannelKind::Email,
            repo_id: self.repo_id.clone(),
            thread_key: thread_key(&parsed),
            dedupe_key,
            conversation_hint: parsed.conversation_hint.clone(),
            sender: Sender {
                id: sender.address.clone(),
                display: sender.display.clone(),
            },
            received_at: jiff::Timestamp::now(),
            subject: (!parsed.subject.trim().is_empty()).then(|| parsed.subject.clone()),
            body: parsed.body.clone(),
            attachments,
            model_hint: parsed.model_hint.clone(),
            reply_refs: reply_refs(&parsed),
        };
        match self.repo.send(Submit(inbound)).await {
            Ok(Ok(Recorded::Accepted {
                conversation_id, ..
            })) => {
                info!(repo = self.repo_id, conversation = %conversation_id, from = sender.address, "email accepted");
                Disposition::Done
            }
            Ok(Ok(Recorded::Duplicate { .. })) => Disposition::Done,
            Ok(Err(error)) => Disposition::Retry(error.to_string()),
            Err(error) => Disposition::Retry(format!("repo actor: {error}")),
        }
    }

    fn reject(&self, message: &MailboxMessage, rejection: &Rejection) {
        let claimed = claimed_sender(&message.raw);
        let kind = match rejection {
            Rejection::Unauthenticated(_) => "unauthenticated",
            Rejection::Unauthorized(_) => "unauthorized",
            Rejection::Malformed(_) => "malformed",
        };
        warn!(
            repo = self.repo_id,
            uid = message.uid,
            from = claimed,
            kind,
            "email rejected: {rejection}"
        );
        self.events.publish(GatewayEvent::MessageRejected {
            repo_id: self.repo_id.clone(),
            channel: "email".into(),
            sender: claimed,
            kind: kind.into(),
            reason: rejection.to_string(),
            at_ms: now_ms(),
        });
    }
}

/// Messages of one thread share a key: the root of `References`, else
/// what it replies to, else its own id.
fn thread_key(parsed: &ParsedEmail) -> String {
    let first_reference = parsed
        .references
        .as_deref()
        .and_then(|r| r.split_whitespace().next());
    let replied = parsed
        .in_reply_to
        .as_deref()
        .and_then(|r| r.split_whitespace().next());
    first_reference
        .or(replied)
        .or(parsed.message_id.as_deref())
        .map(|id| format!("email:{id}"))
        .unwrap_or_default()
}

/// The `References` of an answer to this message.
fn reply_refs(parsed: &ParsedEmail) -> Vec<String> {
    let mut refs: Vec<String> = parsed
        .references
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if let Some(id) = &parsed.message_id {
        refs.push(id.clone());
    }
    refs
}

/// Writes the attachments under `<staging>/<hash of the dedupe key>/`.
fn stage(
    staging: &Path,
    dedupe_key: &str,
    parsed: &ParsedEmail,
) -> std::io::Result<Vec<Attachment>> {
    if parsed.attachments.is_empty() {
        return Ok(Vec::new());
    }
    let digest = Sha256::digest(dedupe_key.as_bytes());
    let dir_name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let dir = staging.join(dir_name);
    std::fs::create_dir_all(&dir)?;
    parsed
        .attachments
        .iter()
        .map(|attachment| {
            let path = dir.join(&attachment.name);
            std::fs::write(&path, &attachment.bytes)?;
            Ok(Attachment {
                name: attachment.name.clone(),
                path,
            })
        })
        .collect()
}

/// The `From` header as received, for the record of a rejection.
fn claimed_sender(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|message| {
            message
                .header_raw("From")
                .map(|from| from.trim().to_string())
        })
        .unwrap_or_else(|| "(no From)".to_string())
}

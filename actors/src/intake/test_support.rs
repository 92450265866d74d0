//! Builders shared by the intake and prompt tests.

use std::path::PathBuf;

use jiff::Timestamp;

use super::message::{Attachment, InboundMessage, Sender};
use crate::config::ChannelKind;

/// A plain email message; tests change the fields they care about.
pub(crate) fn message(dedupe: &str, thread: &str, body: &str) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Email,
        repo_id: "demo".to_string(),
        dedupe_key: dedupe.to_string(),
        thread_key: thread.to_string(),
        conversation_hint: None,
        sender: Sender {
            id: "ann@example.com".to_string(),
            display: "Ann <ann@example.com>".to_string(),
        },
        received_at: at(0),
        subject: None,
        body: body.to_string(),
        attachments: Vec::new(),
        model_hint: None,
        reply_refs: Vec::new(),
    }
}

/// 2026-05-01 10:00:00 UTC plus `seconds`.
pub(crate) fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_777_629_600 + seconds).expect("valid timestamp")
}

pub(crate) fn attachment(name: &str) -> Attachment {
    Attachment {
        name: name.to_string(),
        path: PathBuf::from(format!("/staging/{name}")),
    }
}

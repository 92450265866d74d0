//! Shared helpers for the compose tests: a reply context and a round trip
//! through the wire format and mail-parser.

use mail_parser::{Message, MessageParser};

use super::{ComposeLimits, ComposedEmail, ThreadContext};
use crate::intake::ConversationId;

pub const CONV: &str = "abcd1234";
pub const SECONDS: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
pub const NONCE: u32 = 0x0bad_cafe;

pub fn conversation() -> ConversationId {
    ConversationId::parse(CONV).expect("valid id")
}

pub fn context() -> ThreadContext {
    ThreadContext {
        conversation: conversation(),
        from: "Airut <airut@example.com>".to_string(),
        to: "\"Doe, Jane\" <jane@example.org>".to_string(),
        original_subject: "Fix the build".to_string(),
        original_message_id: Some("<m1@mail.example.org>".to_string()),
        original_references: Some("<m0@mail.example.org>".to_string()),
    }
}

pub fn limits() -> ComposeLimits {
    ComposeLimits {
        max_attachment_bytes: 1024 * 1024,
        max_total_bytes: 4 * 1024 * 1024,
    }
}

/// The email as sent, parsed back.
pub fn parsed(email: &ComposedEmail) -> Message<'static> {
    let wire = email.message.formatted();
    MessageParser::default()
        .parse(&wire)
        .expect("parsable email")
        .into_owned()
}

//! The channel-agnostic shape of one inbound message, as the journal keeps it.
//!
//! Channels (email, Slack) authenticate and parse their own payloads and hand
//! the core this struct; nothing channel-specific survives past intake except
//! the opaque keys (`dedupe_key`, `thread_key`) the channel chose.

use std::fmt;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::ChannelKind;

/// One message as received, before any task is made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    #[serde(with = "channel_serde")]
    pub channel: ChannelKind,
    pub repo_id: String,
    /// The channel's identity for this delivery, e.g. `imap:<uidvalidity>:<uid>`
    /// or `slack:<event_id>`: a redelivery carries the same key.
    pub dedupe_key: String,
    /// The channel's identity for the thread, e.g. the root Message-ID or
    /// `slack:<channel>:<thread_ts>`. Messages of one thread share a
    /// conversation even before any task has run.
    pub thread_key: String,
    /// A conversation the message says it belongs to (In-Reply-To, subject
    /// tag, Slack thread map). Trusted only if this repo knows the id.
    pub conversation_hint: Option<ConversationId>,
    pub sender: Sender,
    #[serde(with = "timestamp_millis")]
    pub received_at: Timestamp,
    /// Email subject; `None` for channels without one.
    pub subject: Option<String>,
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// Model asked for by the channel (e.g. `bot+sonnet@…`).
    pub model_hint: Option<String>,
    /// What the channel needs to answer this very message in its thread
    /// (email: the `References` chain ending with its Message-ID). Opaque
    /// to the core.
    #[serde(default)]
    pub reply_refs: Vec<String>,
}

/// Who sent a message: the verified identity and the form shown to humans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// Canonical verified identity (email address, Slack user id).
    pub id: String,
    /// Human form used in attribution (`Ann <ann@example.com>`).
    pub display: String,
}

/// A file that came with a message, already saved by the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name the agent will see under `/inbox/`.
    pub name: String,
    /// Where the channel saved it on the host.
    pub path: PathBuf,
}

/// A conversation id: 8 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConversationId(String);

impl ConversationId {
    /// Accepts only the canonical form, so an id lifted from an email
    /// subject can never name a path or a key outside the expected shape.
    pub fn parse(text: &str) -> Option<ConversationId> {
        let valid = text.len() == 8
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| ConversationId(text.to_string()))
    }

    pub fn from_u32(value: u32) -> ConversationId {
        ConversationId(format!("{value:08x}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ConversationId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        ConversationId::parse(&value).ok_or_else(|| format!("not a conversation id: {value:?}"))
    }
}

impl From<ConversationId> for String {
    fn from(id: ConversationId) -> String {
        id.0
    }
}

/// `ChannelKind` lives in config without serde; the journal stores its name.
mod channel_serde {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::config::ChannelKind;

    pub fn serialize<S: Serializer>(kind: &ChannelKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ChannelKind, D::Error> {
        let name = String::deserialize(d)?;
        ChannelKind::parse(&name)
            .ok_or_else(|| D::Error::custom(format!("unknown channel {name:?}")))
    }
}

/// jiff is built without its serde feature; milliseconds keep the order of
/// messages received within one second.
pub(crate) mod timestamp_millis {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(ts.as_millisecond())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let millis = i64::deserialize(d)?;
        Timestamp::from_millisecond(millis).map_err(D::Error::custom)
    }
}

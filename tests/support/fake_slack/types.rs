//! What a test hands the fake Slack and what it gets back.

use super::{BOT_USER_ID, TEAM_ID};

/// A workspace member (or bot, or deactivated account) `users.info` knows.
#[derive(Clone, Debug)]
pub struct FakeUser {
    pub id: String,
    pub name: String,
    pub real_name: String,
    pub display_name: String,
    pub is_bot: bool,
    pub deleted: bool,
    pub team_id: String,
    pub is_restricted: bool,
}

impl FakeUser {
    /// A full member of the fake workspace.
    pub fn member(id: &str, name: &str) -> FakeUser {
        FakeUser {
            id: id.to_owned(),
            name: name.to_owned(),
            real_name: format!("{name} Example"),
            display_name: name.to_owned(),
            is_bot: false,
            deleted: false,
            team_id: TEAM_ID.to_owned(),
            is_restricted: false,
        }
    }

    pub fn bot(id: &str, name: &str) -> FakeUser {
        FakeUser {
            is_bot: true,
            ..FakeUser::member(id, name)
        }
    }

    pub fn deactivated(id: &str, name: &str) -> FakeUser {
        FakeUser {
            deleted: true,
            ..FakeUser::member(id, name)
        }
    }

    /// A guest (single- or multi-channel), `is_restricted` in Slack's terms.
    pub fn guest(id: &str, name: &str) -> FakeUser {
        FakeUser {
            is_restricted: true,
            ..FakeUser::member(id, name)
        }
    }

    /// A member of another workspace (Slack Connect).
    pub fn external(id: &str, name: &str, team_id: &str) -> FakeUser {
        FakeUser {
            team_id: team_id.to_owned(),
            ..FakeUser::member(id, name)
        }
    }
}

/// A message a person writes. In an IM (`D…` channel) it arrives as a
/// `message` event with `channel_type: im`; with `mention` in a channel as an
/// `app_mention` event and, as Slack does for an app subscribed to
/// `message.channels`, also a `message` event for the same message.
#[derive(Clone, Debug, Default)]
pub struct UserMessage {
    pub user: String,
    pub channel: String,
    pub text: String,
    pub thread_ts: Option<String>,
    /// File objects as returned by `FakeSlack::add_file` (subtype `file_share`).
    pub files: Vec<serde_json::Value>,
    pub mention: bool,
    pub subtype: Option<String>,
    pub bot_id: Option<String>,
}

impl UserMessage {
    /// A direct message to the app.
    pub fn dm(user: &str, channel: &str, text: &str) -> UserMessage {
        UserMessage {
            user: user.to_owned(),
            channel: channel.to_owned(),
            text: text.to_owned(),
            ..UserMessage::default()
        }
    }

    /// A channel message that @-mentions the bot (`<@BOT> text`).
    pub fn mention(user: &str, channel: &str, text: &str) -> UserMessage {
        UserMessage {
            user: user.to_owned(),
            channel: channel.to_owned(),
            text: format!("<@{BOT_USER_ID}> {text}"),
            mention: true,
            ..UserMessage::default()
        }
    }

    /// A channel message that does not mention the bot.
    pub fn plain(user: &str, channel: &str, text: &str) -> UserMessage {
        UserMessage::dm(user, channel, text)
    }

    pub fn in_thread(mut self, thread_ts: &str) -> UserMessage {
        self.thread_ts = Some(thread_ts.to_owned());
        self
    }

    pub fn with_file(mut self, file: serde_json::Value) -> UserMessage {
        self.files.push(file);
        self
    }
}

/// One event handed to the Socket Mode connection.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub envelope_id: String,
    pub event_id: String,
    /// The message's `ts` (for raw events, the event's `ts` or `event_ts`).
    pub ts: String,
    pub channel: String,
    /// The thread the message belongs to: its `thread_ts`, or its own `ts`.
    pub thread_ts: String,
    /// Further envelopes for the same message (the `message` event that
    /// accompanies an `app_mention`).
    pub also: Vec<String>,
}

/// A file that went through `files.getUploadURLExternal`, the upload URL
/// and `files.completeUploadExternal`.
#[derive(Clone, Debug)]
pub struct Upload {
    pub file_id: String,
    pub name: String,
    pub title: Option<String>,
    pub bytes: Vec<u8>,
    pub channel: Option<String>,
    pub thread_ts: Option<String>,
    pub initial_comment: Option<String>,
}

//! Which Slack events become work (reference S2, S4–S6, S22): pure
//! classification of an Events API `event` object, without I/O. The one
//! outside fact it needs, whether a thread is already engaged, comes in as
//! a closure over the intake journal's thread map.

use serde::Deserialize;
use serde_json::Value;

/// The part of an Events API `event` the channel reads. Unknown fields are
/// ignored; missing ones are `None`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlackEvent {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub subtype: Option<String>,
    pub user: Option<String>,
    pub bot_id: Option<String>,
    pub text: Option<String>,
    pub channel: Option<String>,
    pub channel_type: Option<String>,
    pub ts: Option<String>,
    pub thread_ts: Option<String>,
    /// Kept raw: `files` entries are checked one by one (S14).
    pub files: Option<Value>,
    pub assistant_thread: Option<AssistantThread>,
}

/// `event.assistant_thread` of `assistant_thread_started`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssistantThread {
    pub user_id: Option<String>,
    pub channel_id: Option<String>,
    pub thread_ts: Option<String>,
    pub context: Option<Value>,
}

/// Where a message was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// A direct message (the Agents & AI Apps surface or a plain IM).
    Dm,
    /// A public or private channel.
    Channel,
}

impl Surface {
    /// The form carried in `InboundMessage::reply_refs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Dm => "dm",
            Surface::Channel => "channel",
        }
    }
}

/// Why a channel message was taken up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engagement {
    Dm,
    /// `app_mention`, or a `message` that mentions the bot.
    Mention,
    /// A thread that already has a conversation of this repo.
    Sticky,
}

/// A user message that is work for the repo (once authorized).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub channel: String,
    pub ts: String,
    /// `thread_ts` when the message is a reply in a thread.
    pub thread_ts: Option<String>,
    pub user: String,
    /// Raw Slack text (entities and `<…>` tokens not yet resolved).
    pub text: String,
    pub surface: Surface,
    pub engagement: Engagement,
    pub files: Option<Value>,
}

impl Candidate {
    /// The thread's root message: replies answer there too.
    pub fn root(&self) -> &str {
        self.thread_ts.as_deref().unwrap_or(&self.ts)
    }

    /// `slack:<channel>:<ts>`: an `app_mention` and a `message` event for
    /// the same message, and any redelivery, share it.
    pub fn dedupe_key(&self) -> String {
        dedupe_key(&self.channel, &self.ts)
    }

    pub fn thread_key(&self) -> String {
        thread_key(&self.channel, self.root())
    }

    /// A reply in a thread whose earlier messages the bot has not seen.
    pub fn joins_existing_thread(&self) -> bool {
        self.surface == Surface::Channel && self.thread_ts.as_deref().is_some_and(|t| t != self.ts)
    }
}

pub fn dedupe_key(channel: &str, ts: &str) -> String {
    format!("slack:{channel}:{ts}")
}

pub fn thread_key(channel: &str, root: &str) -> String {
    format!("slack:{channel}:{root}")
}

/// Why an event was dropped without an answer. None of these is told to
/// the sender (a non-allowed channel must reveal nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// Posted by a bot (this one included): the no-loop guard.
    Bot,
    /// Edits, deletions, joins…; only `file_share` is a user message.
    Subtype(String),
    /// Written by this app's own bot user.
    OwnUser,
    /// A channel outside `allowed_channels`.
    ChannelNotAllowed,
    /// A channel message that neither mentions the bot nor continues an
    /// engaged thread.
    NotEngaged,
    /// Group DMs and anything else that is neither a DM nor a channel.
    UnsupportedChannelType(String),
    /// An event type the channel does not handle.
    Unhandled(String),
    /// Required fields are missing.
    Malformed(&'static str),
}

/// What to do with one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    Message(Candidate),
    /// The user opened a new assistant thread: greet them.
    AssistantThreadStarted {
        channel: String,
        thread_ts: String,
    },
    Ignore(Ignored),
}

/// What classification knows about the app and the repo.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// This app's bot user (from `auth.test`); unknown until it succeeds,
    /// and then only `app_mention` engages in channels.
    pub bot_user_id: Option<String>,
    /// Empty: every channel the bot was invited to.
    pub allowed_channels: Vec<String>,
}

impl Filters {
    fn channel_allowed(&self, channel: &str) -> bool {
        self.allowed_channels.is_empty() || self.allowed_channels.iter().any(|c| c == channel)
    }

    fn mentions_bot(&self, text: &str) -> bool {
        match &self.bot_user_id {
            Some(bot) => text.contains(&format!("<@{bot}>")) || text.contains(&format!("<@{bot}|")),
            None => false,
        }
    }
}

/// Sorts one event. `engaged(thread_key)` says whether the thread already
/// has a conversation of this repo (sticky threads, S6).
pub fn classify(
    event: &SlackEvent,
    filters: &Filters,
    engaged: impl Fn(&str) -> bool,
) -> Classified {
    match event.kind.as_str() {
        "assistant_thread_started" => assistant_thread_started(event),
        "app_mention" | "message" => message(event, filters, engaged),
        other => Classified::Ignore(Ignored::Unhandled(other.to_string())),
    }
}

fn assistant_thread_started(event: &SlackEvent) -> Classified {
    let thread = event.assistant_thread.as_ref();
    let channel = thread.and_then(|t| t.channel_id.clone());
    let thread_ts = thread.and_then(|t| t.thread_ts.clone());
    match (channel, thread_ts) {
        (Some(channel), Some(thread_ts)) => {
            Classified::AssistantThreadStarted { channel, thread_ts }
        }
        _ => Classified::Ignore(Ignored::Malformed("assistant_thread without channel or ts")),
    }
}

fn message(event: &SlackEvent, filters: &Filters, engaged: impl Fn(&str) -> bool) -> Classified {
    use Classified::Ignore;
    if event.bot_id.is_some() {
        return Ignore(Ignored::Bot);
    }
    if let Some(subtype) = &event.subtype
        && subtype != "file_share"
    {
        return Ignore(Ignored::Subtype(subtype.clone()));
    }
    let (Some(user), Some(channel), Some(ts)) = (&event.user, &event.channel, &event.ts) else {
        return Ignore(Ignored::Malformed("message without user, channel or ts"));
    };
    if filters.bot_user_id.as_deref() == Some(user.as_str()) {
        return Ignore(Ignored::OwnUser);
    }
    let surface = if event.kind == "app_mention" {
        Surface::Channel
    } else {
        match event.channel_type.as_deref() {
            Some("im") => Surface::Dm,
            Some("channel") | Some("group") => Surface::Channel,
            other => {
                return Ignore(Ignored::UnsupportedChannelType(
                    other.unwrap_or("(none)").to_string(),
                ));
            }
        }
    };
    let text = event.text.clone().unwrap_or_default();
    let thread_ts = event.thread_ts.clone().filter(|t| !t.is_empty());
    let engagement = match surface {
        Surface::Dm => Engagement::Dm,
        Surface::Channel => {
            if !filters.channel_allowed(channel) {
                return Ignore(Ignored::ChannelNotAllowed);
            }
            let root = thread_ts.as_deref().unwrap_or(ts);
            if event.kind == "app_mention" || filters.mentions_bot(&text) {
                Engagement::Mention
            } else if engaged(&thread_key(channel, root)) {
                Engagement::Sticky
            } else {
                return Ignore(Ignored::NotEngaged);
            }
        }
    };
    Classified::Message(Candidate {
        channel: channel.clone(),
        ts: ts.clone(),
        thread_ts,
        user: user.clone(),
        text,
        surface,
        engagement,
        files: event.files.clone(),
    })
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;

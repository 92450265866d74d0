//! One stream-json line as a [`ClaudeEvent`].

use serde_json::{Map, Value};

use super::api_error::ApiError;
use super::blocks::{ContentBlock, parse_message_content};
use super::result_fields::ResultFields;
use super::todo::{TodoItem, todo_list_from_input};
use super::{non_empty_string, string_field};

/// The `type` of an event. Types this code does not know (for example
/// `rate_limit_event` or `stream_event`) are kept as `Unknown` with their
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    System,
    Assistant,
    User,
    Result,
    Unknown(String),
}

impl EventKind {
    pub fn from_type(name: &str) -> EventKind {
        match name {
            "system" => EventKind::System,
            "assistant" => EventKind::Assistant,
            "user" => EventKind::User,
            "result" => EventKind::Result,
            other => EventKind::Unknown(other.to_owned()),
        }
    }

    /// The `type` string this kind was read from.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::System => "system",
            EventKind::Assistant => "assistant",
            EventKind::User => "user",
            EventKind::Result => "result",
            EventKind::Unknown(name) => name,
        }
    }
}

/// One event of Claude Code's stream-json output.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaudeEvent {
    pub kind: EventKind,
    /// `subtype`, or "" when absent or not a string (`init`, `api_retry`,
    /// `success`, `error_max_turns`, ...).
    pub subtype: String,
    /// `session_id`, or "" when absent or not a string.
    pub session_id: String,
    /// Set on events of a subagent: the id of the main agent's tool call
    /// that started it. `null`, "" and non-strings count as unset.
    pub parent_tool_use_id: Option<String>,
    /// `message.content[]` of assistant and user events; empty otherwise.
    pub blocks: Vec<ContentBlock>,
    /// The whole event object, for fields not modelled here.
    pub raw: Value,
}

/// Parses one line of output. `None` for a blank line, a line that is not
/// JSON, JSON that is not an object, and an object whose `type` is missing
/// or not a string. Surrounding whitespace (including `\r`) is ignored.
pub fn parse_line(line: &str) -> Option<ClaudeEvent> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return None;
    }
    let raw: Value = serde_json::from_str(trimmed).ok()?;
    parse_value(raw)
}

/// Like [`parse_line`] for an already parsed value (for example an event
/// read back from `events.jsonl` as part of a larger document).
pub fn parse_value(raw: Value) -> Option<ClaudeEvent> {
    let object = raw.as_object()?;
    let kind = EventKind::from_type(object.get("type")?.as_str()?);
    let blocks = match kind {
        EventKind::Assistant | EventKind::User => parse_message_content(object.get("message")),
        _ => Vec::new(),
    };
    Some(ClaudeEvent {
        subtype: string_field(object, "subtype"),
        session_id: string_field(object, "session_id"),
        parent_tool_use_id: non_empty_string(object, "parent_tool_use_id"),
        blocks,
        kind,
        raw,
    })
}

impl ClaudeEvent {
    /// The event object's fields (always an object: [`parse_value`] only
    /// accepts objects).
    pub fn fields(&self) -> Option<&Map<String, Value>> {
        self.raw.as_object()
    }

    /// One top-level field of the event.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.raw.get(key)
    }

    /// True for events of a subagent (`parent_tool_use_id` set).
    pub fn is_subagent(&self) -> bool {
        self.parent_tool_use_id.is_some()
    }

    /// True for the `system`/`init` event that opens every run.
    pub fn is_init(&self) -> bool {
        self.kind == EventKind::System && self.subtype == "init"
    }

    /// `message.id` of an assistant event. The CLI emits one event per
    /// content block, so consecutive events of one API message share it.
    pub fn message_id(&self) -> Option<&str> {
        self.raw
            .get("message")?
            .get("id")?
            .as_str()
            .filter(|id| !id.is_empty())
    }

    /// The non-empty text blocks, joined by a blank line; `None` if there
    /// are none.
    pub fn joined_text(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .blocks
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Text { text } if !text.is_empty() => Some(text.as_str()),
                _ => None,
            })
            .collect();
        if parts.is_empty() {
            None
        } else {
            Some(parts.join("\n\n"))
        }
    }

    /// True for the synthetic assistant message the CLI writes when an API
    /// request failed for good (`is_api_error_message: true`; older CLIs
    /// spelled it `isApiErrorMessage`). Its text is an error, not a reply.
    pub fn is_api_error_message(&self) -> bool {
        self.kind == EventKind::Assistant
            && ["is_api_error_message", "isApiErrorMessage"]
                .iter()
                .any(|key| self.get(key).and_then(Value::as_bool) == Some(true))
    }

    /// The structured API failure this event reports: for a `result` event
    /// see [`ResultFields::api_error`]; for an assistant event only when it
    /// is an API error message. `None` for everything else.
    pub fn api_error(&self) -> Option<ApiError> {
        match self.kind {
            EventKind::Result => self.result_fields()?.api_error,
            EventKind::Assistant if self.is_api_error_message() => {
                ApiError::from_fields(self.fields()?, self.joined_text().as_deref())
            }
            _ => None,
        }
    }

    /// The todo list of the last `TodoWrite` tool call in this event.
    /// `None` if the event has no such call or its `todos` is not a list.
    pub fn todo_list(&self) -> Option<Vec<TodoItem>> {
        self.blocks.iter().rev().find_map(|block| match block {
            ContentBlock::ToolUse { name, input, .. } if name == "TodoWrite" => {
                todo_list_from_input(input)
            }
            _ => None,
        })
    }

    /// The fields of a `result` event; `None` for other kinds.
    pub fn result_fields(&self) -> Option<ResultFields> {
        if self.kind != EventKind::Result {
            return None;
        }
        Some(ResultFields::from_fields(self.fields()?))
    }
}

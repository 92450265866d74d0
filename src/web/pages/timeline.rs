//! The actions timeline: a conversation's `events.jsonl` entries as a list
//! of readable items. Parsing is [`stream_json`]'s; this module only
//! decides what each event looks like: one item per content block, tool
//! calls by tool (Bash, Read, Edit as a diff, Write, Grep, Glob, Task,
//! TodoWrite, anything else as JSON), tool results with their tool's name,
//! subagent events indented under the `Task` call that started them.
//!
//! Every text is [`Clipped`]: a 1 MB tool output must not make a 1 MB page.

use std::collections::HashMap;

use airut_actors::sandbox::events_log::LoggedEvent;
use airut_actors::sandbox::stream_json::{
    ClaudeEvent, ContentBlock, EventKind, TodoStatus, parse_value, todo::todo_list_from_input,
};
use serde_json::Value;

use super::format::{Clipped, LONG_TEXT, SHORT_TEXT, cost, count, duration_ms};

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineItem {
    pub task_id: String,
    /// 0 for the main agent; a subagent's events are one deeper than the
    /// `Task` call that started them.
    pub depth: usize,
    /// `<subagent_type>:<last 6 of the parent call id>` on subagent items.
    pub agent: Option<AgentBadge>,
    pub kind: ItemKind,
}

impl TimelineItem {
    /// The indentation class: nesting deeper than 4 is drawn at 4.
    pub fn indent(&self) -> usize {
        self.depth.min(4)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentBadge {
    pub label: String,
    /// 0..6, hashed from the parent call id: one colour per subagent.
    pub colour: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// `-` removed, `+` added.
    pub sign: char,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoLine {
    /// `✓`, `▸` (in progress) or `○`.
    pub mark: &'static str,
    /// `completed`, `in_progress`, `pending` or the unknown status.
    pub status: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// A new task starts: the events after it belong to it.
    TaskStart,
    Init {
        model: String,
        session: String,
    },
    /// Other `system` events (`api_retry`, `compact_boundary`, ...).
    System {
        subtype: String,
        detail: Clipped,
    },
    Text {
        text: Clipped,
    },
    Thinking {
        text: Clipped,
    },
    /// The synthetic assistant message of a failed API request.
    ApiError {
        text: Clipped,
    },
    Bash {
        command: Clipped,
        description: String,
    },
    Read {
        path: String,
        range: String,
    },
    Edit {
        path: String,
        replace_all: bool,
        lines: Vec<DiffLine>,
        more_bytes: usize,
    },
    Write {
        path: String,
        preview: Clipped,
    },
    Grep {
        pattern: String,
        scope: String,
    },
    Glob {
        pattern: String,
        scope: String,
    },
    Task {
        subagent_type: String,
        description: String,
        prompt: Clipped,
    },
    Todo {
        items: Vec<TodoLine>,
    },
    Tool {
        name: String,
        input: Clipped,
    },
    ToolResult {
        /// The name of the call it answers, when seen.
        tool: String,
        output: Clipped,
        is_error: bool,
    },
    Result {
        is_error: bool,
        subtype: String,
        cost: String,
        duration: String,
        turns: String,
        tokens: String,
        text: Clipped,
    },
    /// Events this code does not know, as JSON.
    Other {
        kind: String,
        raw: Clipped,
    },
}

/// Builds the timeline of one conversation (or, filtered by the caller,
/// one task).
pub fn build(events: &[LoggedEvent]) -> Vec<TimelineItem> {
    let mut builder = Builder::default();
    for logged in events {
        builder.push(logged);
    }
    builder.items
}

#[derive(Default)]
struct Builder {
    items: Vec<TimelineItem>,
    current_task: Option<String>,
    /// Tool call id → (tool name, depth of the call).
    calls: HashMap<String, (String, usize)>,
    /// `Task` call id → its subagent type.
    subagents: HashMap<String, String>,
}

impl Builder {
    fn push(&mut self, logged: &LoggedEvent) {
        if self.current_task.as_deref() != Some(logged.task_id.as_str()) {
            self.current_task = Some(logged.task_id.clone());
            self.emit(&logged.task_id, 0, None, ItemKind::TaskStart);
        }
        let Some(event) = parse_value(logged.event.clone()) else {
            let raw = Clipped::new(&logged.event.to_string(), SHORT_TEXT);
            let kind = ItemKind::Other {
                kind: "unparsed".into(),
                raw,
            };
            self.emit(&logged.task_id, 0, None, kind);
            return;
        };
        let (depth, agent) = self.placement(&event);
        for kind in self.kinds(&event, depth) {
            self.emit(&logged.task_id, depth, agent.clone(), kind);
        }
    }

    fn emit(&mut self, task_id: &str, depth: usize, agent: Option<AgentBadge>, kind: ItemKind) {
        self.items.push(TimelineItem {
            task_id: task_id.to_string(),
            depth,
            agent,
            kind,
        });
    }

    /// Depth and badge: a subagent event sits one level under its parent
    /// call (which may itself be a subagent's).
    fn placement(&self, event: &ClaudeEvent) -> (usize, Option<AgentBadge>) {
        let Some(parent) = &event.parent_tool_use_id else {
            return (0, None);
        };
        let depth = self.calls.get(parent).map_or(0, |(_, d)| *d) + 1;
        let agent_type = self.subagents.get(parent).map_or("agent", String::as_str);
        let tail: String = {
            let chars: Vec<char> = parent.chars().collect();
            chars[chars.len().saturating_sub(6)..].iter().collect()
        };
        let colour = (parent
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            % 6) as u8;
        (
            depth,
            Some(AgentBadge {
                label: format!("{agent_type}:{tail}"),
                colour,
            }),
        )
    }

    fn kinds(&mut self, event: &ClaudeEvent, depth: usize) -> Vec<ItemKind> {
        match &event.kind {
            EventKind::System if event.is_init() => vec![ItemKind::Init {
                model: str_field(&event.raw, "model"),
                session: event.session_id.clone(),
            }],
            EventKind::System => vec![ItemKind::System {
                subtype: event.subtype.clone(),
                detail: Clipped::new(&without_noise(&event.raw), SHORT_TEXT),
            }],
            EventKind::Assistant if event.is_api_error_message() => vec![ItemKind::ApiError {
                text: Clipped::new(&event.joined_text().unwrap_or_default(), LONG_TEXT),
            }],
            EventKind::Assistant | EventKind::User => event
                .blocks
                .iter()
                .filter_map(|block| self.block(block, depth))
                .collect(),
            EventKind::Result => {
                let Some(r) = event.result_fields() else {
                    return Vec::new();
                };
                let usage = &r.usage;
                vec![ItemKind::Result {
                    is_error: r.is_error || !r.is_success(),
                    subtype: r.subtype.clone(),
                    cost: r.total_cost_usd.map(cost).unwrap_or_default(),
                    duration: r
                        .duration_ms
                        .map(|ms| duration_ms(ms as i64))
                        .unwrap_or_default(),
                    turns: r.num_turns.map(|n| n.to_string()).unwrap_or_default(),
                    tokens: format!(
                        "in {} · out {} · cache read {} · cache write {}",
                        count(usage.input_tokens),
                        count(usage.output_tokens),
                        count(usage.cache_read_input_tokens),
                        count(usage.cache_creation_input_tokens)
                    ),
                    text: Clipped::new(r.result_text.as_deref().unwrap_or(""), LONG_TEXT),
                }]
            }
            EventKind::Unknown(name) => vec![ItemKind::Other {
                kind: name.clone(),
                raw: Clipped::new(&event.raw.to_string(), SHORT_TEXT),
            }],
        }
    }

    fn block(&mut self, block: &ContentBlock, depth: usize) -> Option<ItemKind> {
        Some(match block {
            ContentBlock::Text { text } if text.trim().is_empty() => return None,
            ContentBlock::Text { text } => ItemKind::Text {
                text: Clipped::new(text, LONG_TEXT),
            },
            ContentBlock::Thinking { thinking } if thinking.trim().is_empty() => return None,
            ContentBlock::Thinking { thinking } => ItemKind::Thinking {
                text: Clipped::new(thinking, LONG_TEXT),
            },
            ContentBlock::ToolUse { id, name, input } => {
                self.calls.insert(id.clone(), (name.clone(), depth));
                if name == "Task" || name == "Agent" {
                    self.subagents.insert(
                        id.clone(),
                        non_empty(str_field(input, "subagent_type"), "agent"),
                    );
                }
                tool_use(name, input)
            }
            ContentBlock::ToolResult {
                tool_use_id,
                content,
                is_error,
            } => ItemKind::ToolResult {
                tool: self
                    .calls
                    .get(tool_use_id)
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default(),
                output: Clipped::new(&result_text(content), LONG_TEXT),
                is_error: *is_error,
            },
            ContentBlock::Other(value) => ItemKind::Other {
                kind: str_field(value, "type"),
                raw: Clipped::new(&value.to_string(), SHORT_TEXT),
            },
        })
    }
}

/// The specialised rendering of one tool call.
pub fn tool_use(name: &str, input: &Value) -> ItemKind {
    let path = || {
        Clipped::new(
            &non_empty(str_field(input, "file_path"), &str_field(input, "path")),
            SHORT_TEXT,
        )
        .text
    };
    match name {
        "Bash" => ItemKind::Bash {
            command: Clipped::new(&str_field(input, "command"), LONG_TEXT),
            description: Clipped::new(&str_field(input, "description"), SHORT_TEXT).text,
        },
        "Read" => {
            let offset = input.get("offset").and_then(Value::as_u64);
            let limit = input.get("limit").and_then(Value::as_u64);
            let range = match (offset, limit) {
                (Some(o), Some(l)) => format!("lines {o}–{}", o + l),
                (Some(o), None) => format!("from line {o}"),
                (None, Some(l)) => format!("first {l} lines"),
                (None, None) => String::new(),
            };
            ItemKind::Read {
                path: path(),
                range,
            }
        }
        "Edit" => {
            let old = str_field(input, "old_string");
            let new = str_field(input, "new_string");
            let (lines, more_bytes) = diff_lines(&old, &new);
            ItemKind::Edit {
                path: path(),
                replace_all: input.get("replace_all").and_then(Value::as_bool) == Some(true),
                lines,
                more_bytes,
            }
        }
        "Write" => ItemKind::Write {
            path: path(),
            preview: Clipped::new(&str_field(input, "content"), LONG_TEXT),
        },
        "Grep" | "Glob" => {
            let pattern = Clipped::new(&str_field(input, "pattern"), SHORT_TEXT).text;
            let mut scope = Vec::new();
            for key in ["path", "glob", "type", "output_mode"] {
                let value = str_field(input, key);
                if !value.is_empty() {
                    scope.push(format!("{key}: {value}"));
                }
            }
            let scope = Clipped::new(&scope.join(" · "), SHORT_TEXT).text;
            if name == "Grep" {
                ItemKind::Grep { pattern, scope }
            } else {
                ItemKind::Glob { pattern, scope }
            }
        }
        "Task" | "Agent" => ItemKind::Task {
            subagent_type: non_empty(str_field(input, "subagent_type"), "agent"),
            description: Clipped::new(&str_field(input, "description"), SHORT_TEXT).text,
            prompt: Clipped::new(&str_field(input, "prompt"), LONG_TEXT),
        },
        "TodoWrite" => ItemKind::Todo {
            items: todo_list_from_input(input)
                .unwrap_or_default()
                .into_iter()
                .map(|todo| {
                    let mark = match todo.status {
                        TodoStatus::Completed => "✓",
                        TodoStatus::InProgress => "▸",
                        _ => "○",
                    };
                    TodoLine {
                        mark,
                        status: todo.status.as_str().to_string(),
                        text: Clipped::new(&todo.content, SHORT_TEXT).text,
                    }
                })
                .collect(),
        },
        _ => ItemKind::Tool {
            name: Clipped::new(name, SHORT_TEXT).text,
            input: Clipped::new(
                &serde_json::to_string_pretty(input).unwrap_or_default(),
                LONG_TEXT,
            ),
        },
    }
}

/// An Edit as removed then added lines, within one [`LONG_TEXT`] budget
/// for both sides; the second value is what did not fit.
pub fn diff_lines(old: &str, new: &str) -> (Vec<DiffLine>, usize) {
    let mut budget = LONG_TEXT;
    let mut lines = Vec::new();
    let mut more = 0;
    for (sign, text) in [('-', old), ('+', new)] {
        if text.is_empty() {
            continue;
        }
        for line in text.lines() {
            if budget == 0 {
                more += line.len() + 1;
                continue;
            }
            let clipped = Clipped::new(line, budget);
            budget -= clipped.text.len();
            more += clipped.more_bytes;
            lines.push(DiffLine {
                sign,
                text: clipped.text,
            });
        }
    }
    (lines, more)
}

/// A tool result's `content`: a string, or text blocks joined.
fn result_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .map(|block| match block.get("text").and_then(Value::as_str) {
                Some(text) => text.to_string(),
                None => format!("[{}]", str_field(block, "type")),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A system event without the fields every event has.
fn without_noise(raw: &Value) -> String {
    let mut raw = raw.clone();
    if let Some(object) = raw.as_object_mut() {
        for key in ["type", "subtype", "session_id", "uuid"] {
            object.remove(key);
        }
    }
    raw.to_string()
}

fn str_field(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn non_empty(value: String, fallback: &str) -> String {
    if value.is_empty() {
        fallback.to_string()
    } else {
        value
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;

//! What a test tells the model server to say.
//!
//! A [`Script`] is the main conversation, one [`Turn`] per `POST
//! /v1/messages` that Claude Code sends for it, plus [`SideRule`]s for the
//! requests that are not part of it (a small model writing a title, a request
//! without tools). Side requests never consume a turn.

use std::time::Duration;

use serde_json::{Value, json};

use super::api_error::ApiError;

/// The turns of the main conversation and the rules for side requests.
#[derive(Debug, Clone)]
pub struct Script {
    pub(crate) turns: Vec<Turn>,
    pub(crate) side_rules: Vec<SideRule>,
}

impl Default for Script {
    fn default() -> Script {
        Script::new()
    }
}

impl Script {
    /// An empty script. Requests without tools are side requests answered
    /// with a short text (see [`SideRule::default_rule`]) unless a rule added
    /// with [`Script::side`] matches first.
    pub fn new() -> Script {
        Script {
            turns: Vec::new(),
            side_rules: Vec::new(),
        }
    }

    /// Appends a turn of the main conversation.
    pub fn turn(mut self, turn: Turn) -> Script {
        self.turns.push(turn);
        self
    }

    /// Adds a side rule. Rules are tried in the order added, before the
    /// default rule.
    pub fn side(mut self, rule: SideRule) -> Script {
        self.side_rules.push(rule);
        self
    }

    /// The turns, in order.
    pub fn turns(&self) -> &[Turn] {
        &self.turns
    }
}

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A `200` with an assistant message: SSE when the request says
    /// `"stream": true`, one JSON message otherwise.
    Reply(Reply),
    /// An HTTP error with the API's error body.
    Error(ApiError),
    /// A `200` SSE stream that sends `message_start`, then an `error` event
    /// (the API's way to fail after the response has started). A request
    /// without `"stream": true` gets the same error as an HTTP error instead.
    StreamError(ApiError),
}

impl Answer {
    /// A one-line description for failure messages.
    pub fn describe(&self) -> String {
        match self {
            Answer::Reply(reply) => format!("reply {}", reply.describe()),
            Answer::Error(error) => format!("error {}", error.describe()),
            Answer::StreamError(error) => format!("stream error {}", error.describe()),
        }
    }
}

/// How many requests a turn answers before the script moves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// This many requests (at least one).
    Times(u32),
    /// Every request from here on; the script never moves past this turn.
    Forever,
}

/// One step of the main conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    pub(crate) answer: Answer,
    pub(crate) expectations: Vec<Expectation>,
    pub(crate) repeat: Repeat,
    pub(crate) delay: Duration,
}

impl Turn {
    fn new(answer: Answer) -> Turn {
        Turn {
            answer,
            expectations: Vec::new(),
            repeat: Repeat::Times(1),
            delay: Duration::ZERO,
        }
    }

    /// Answers with a message.
    pub fn reply(reply: Reply) -> Turn {
        Turn::new(Answer::Reply(reply))
    }

    /// Answers with a message of one text block.
    pub fn text(text: impl Into<String>) -> Turn {
        Turn::reply(Reply::text(text))
    }

    /// Answers with a message of one `tool_use` block.
    pub fn tool(tool: ToolUse) -> Turn {
        Turn::reply(Reply::new().with_tool(tool))
    }

    /// Answers with an HTTP error.
    pub fn error(error: ApiError) -> Turn {
        Turn::new(Answer::Error(error))
    }

    /// Answers with a stream that fails after `message_start`.
    pub fn stream_error(error: ApiError) -> Turn {
        Turn::new(Answer::StreamError(error))
    }

    /// Answers this many consecutive requests the same way (for retries).
    pub fn times(mut self, count: u32) -> Turn {
        self.repeat = Repeat::Times(count.max(1));
        self
    }

    /// Answers every request from here on the same way.
    pub fn forever(mut self) -> Turn {
        self.repeat = Repeat::Forever;
        self
    }

    /// Waits this long before answering (a slow model).
    pub fn delay(mut self, delay: Duration) -> Turn {
        self.delay = delay;
        self
    }

    /// The request's text (every string in `system` and `messages`) must
    /// contain `needle`. A resume test uses this to prove the earlier turns
    /// were sent again.
    pub fn expect_contains(mut self, needle: impl Into<String>) -> Turn {
        self.expectations.push(Expectation::Contains(needle.into()));
        self
    }

    /// The request's text must not contain `needle`.
    pub fn expect_not_contains(mut self, needle: impl Into<String>) -> Turn {
        self.expectations
            .push(Expectation::NotContains(needle.into()));
        self
    }

    /// The request's last message must carry a `tool_result` for every
    /// `tool_use` of the previous main reply.
    pub fn expect_tool_results(mut self) -> Turn {
        self.expectations.push(Expectation::ToolResultsForPrevious);
        self
    }

    /// Some `tool_result` in the request's last message must contain
    /// `needle`.
    pub fn expect_tool_result_contains(mut self, needle: impl Into<String>) -> Turn {
        self.expectations
            .push(Expectation::ToolResultContains(needle.into()));
        self
    }

    /// The request's `model` must be exactly `model`.
    pub fn expect_model(mut self, model: impl Into<String>) -> Turn {
        self.expectations.push(Expectation::Model(model.into()));
        self
    }

    /// How the turn answers.
    pub fn answer(&self) -> &Answer {
        &self.answer
    }

    /// A one-line description for failure messages.
    pub fn describe(&self) -> String {
        self.answer.describe()
    }
}

/// A check a turn makes on the request it answers. A failed check is
/// recorded as a [`super::Failure`]; the turn still answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// See [`Turn::expect_contains`].
    Contains(String),
    /// See [`Turn::expect_not_contains`].
    NotContains(String),
    /// See [`Turn::expect_tool_results`].
    ToolResultsForPrevious,
    /// See [`Turn::expect_tool_result_contains`].
    ToolResultContains(String),
    /// See [`Turn::expect_model`].
    Model(String),
}

/// An assistant message: content blocks and how it stopped.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub(crate) blocks: Vec<Block>,
    pub(crate) stop_reason: Option<String>,
    pub(crate) input_tokens: Option<u64>,
}

impl Reply {
    /// A message with no blocks yet.
    pub fn new() -> Reply {
        Reply::default()
    }

    /// A message of one text block.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply::new().with_text(text)
    }

    /// Appends a text block.
    pub fn with_text(mut self, text: impl Into<String>) -> Reply {
        self.blocks.push(Block::Text(text.into()));
        self
    }

    /// Appends a thinking block (sent with a placeholder signature).
    pub fn with_thinking(mut self, thinking: impl Into<String>) -> Reply {
        self.blocks.push(Block::Thinking(thinking.into()));
        self
    }

    /// Appends a `tool_use` block.
    pub fn with_tool(mut self, tool: ToolUse) -> Reply {
        self.blocks.push(Block::ToolUse(tool));
        self
    }

    /// Overrides the stop reason. By default it is `tool_use` when the reply
    /// has a `tool_use` block and `end_turn` otherwise.
    pub fn stop_reason(mut self, reason: impl Into<String>) -> Reply {
        self.stop_reason = Some(reason.into());
        self
    }

    /// Overrides `usage.input_tokens`. By default it is the request body's
    /// length in bytes divided by four.
    pub fn input_tokens(mut self, tokens: u64) -> Reply {
        self.input_tokens = Some(tokens);
        self
    }

    /// The blocks.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The stop reason the server sends.
    pub fn effective_stop_reason(&self) -> String {
        match &self.stop_reason {
            Some(reason) => reason.clone(),
            None if self.blocks.iter().any(|b| matches!(b, Block::ToolUse(_))) => {
                "tool_use".to_string()
            }
            None => "end_turn".to_string(),
        }
    }

    /// A one-line description for failure messages.
    pub fn describe(&self) -> String {
        let blocks: Vec<String> = self
            .blocks
            .iter()
            .map(|block| match block {
                Block::Text(text) => format!("text {:?}", shorten(text)),
                Block::Thinking(_) => "thinking".to_string(),
                Block::ToolUse(tool) => format!("tool_use {}", tool.name),
            })
            .collect();
        format!("[{}]", blocks.join(", "))
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// One content block of a reply.
#[derive(Debug, Clone)]
pub enum Block {
    /// `{"type":"text"}`, streamed as `text_delta`s.
    Text(String),
    /// `{"type":"thinking"}`, streamed as `thinking_delta`s and a
    /// `signature_delta`.
    Thinking(String),
    /// `{"type":"tool_use"}`, streamed as `input_json_delta`s.
    ToolUse(ToolUse),
}

/// A tool call. Without [`ToolUse::with_id`] the server gives it a fresh
/// `toolu_…` id.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolUse {
    pub(crate) id: Option<String>,
    pub(crate) name: String,
    pub(crate) input: Value,
}

impl ToolUse {
    /// Any tool with any input.
    pub fn new(name: impl Into<String>, input: Value) -> ToolUse {
        ToolUse {
            id: None,
            name: name.into(),
            input,
        }
    }

    /// `Bash` running `command` (in Claude Code's working directory).
    pub fn bash(command: impl Into<String>) -> ToolUse {
        let command = command.into();
        ToolUse::new(
            "Bash",
            json!({ "command": command, "description": "Run a shell command" }),
        )
    }

    /// `Write` of `content` to `file_path` (Claude Code requires an absolute
    /// path).
    pub fn write(file_path: impl Into<String>, content: impl Into<String>) -> ToolUse {
        let (file_path, content) = (file_path.into(), content.into());
        ToolUse::new(
            "Write",
            json!({ "file_path": file_path, "content": content }),
        )
    }

    /// `Edit` replacing `old_string` by `new_string` in `file_path`. Claude
    /// Code refuses an edit of a file that was not read (or written) first in
    /// the session.
    pub fn edit(
        file_path: impl Into<String>,
        old_string: impl Into<String>,
        new_string: impl Into<String>,
    ) -> ToolUse {
        let (file_path, old, new) = (file_path.into(), old_string.into(), new_string.into());
        ToolUse::new(
            "Edit",
            json!({ "file_path": file_path, "old_string": old, "new_string": new }),
        )
    }

    /// `Read` of `file_path`.
    pub fn read(file_path: impl Into<String>) -> ToolUse {
        let file_path = file_path.into();
        ToolUse::new("Read", json!({ "file_path": file_path }))
    }

    /// `TodoWrite` with `(content, status)` items; status is `pending`,
    /// `in_progress` or `completed`. Claude Code 2.1.330 only accepts it with
    /// `CLAUDE_CODE_ENABLE_TASKS=0` (its default is the Task tools).
    pub fn todo_write(items: &[(&str, &str)]) -> ToolUse {
        let todos: Vec<Value> = items
            .iter()
            .map(|(content, status)| {
                json!({ "content": content, "status": status, "activeForm": content })
            })
            .collect();
        ToolUse::new("TodoWrite", json!({ "todos": todos }))
    }

    /// `TaskCreate`, Claude Code 2.1.330's default planning tool.
    pub fn task_create(subject: impl Into<String>, description: impl Into<String>) -> ToolUse {
        let (subject, description) = (subject.into(), description.into());
        ToolUse::new(
            "TaskCreate",
            json!({ "subject": subject, "description": description }),
        )
    }

    /// Uses this id instead of a generated one.
    pub fn with_id(mut self, id: impl Into<String>) -> ToolUse {
        self.id = Some(id.into());
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tool's input.
    pub fn input(&self) -> &Value {
        &self.input
    }
}

/// Which requests a side rule takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideMatch {
    /// `model` is exactly this.
    Model(String),
    /// `model` contains this (for example `haiku`).
    ModelContains(String),
    /// `tools` is absent or empty.
    NoTools,
    /// Some string in `system` contains this.
    SystemContains(String),
}

/// An answer for requests outside the main conversation.
#[derive(Debug, Clone)]
pub struct SideRule {
    pub(crate) matcher: SideMatch,
    pub(crate) answer: Answer,
}

impl SideRule {
    /// A rule answering every request `matcher` takes.
    pub fn new(matcher: SideMatch, answer: Answer) -> SideRule {
        SideRule { matcher, answer }
    }

    /// Requests for exactly this model get `reply`.
    pub fn model(model: impl Into<String>, reply: Reply) -> SideRule {
        SideRule::new(SideMatch::Model(model.into()), Answer::Reply(reply))
    }

    /// Requests whose model contains `part` get `reply`.
    pub fn model_contains(part: impl Into<String>, reply: Reply) -> SideRule {
        SideRule::new(SideMatch::ModelContains(part.into()), Answer::Reply(reply))
    }

    /// Requests without tools get `reply`.
    pub fn no_tools(reply: Reply) -> SideRule {
        SideRule::new(SideMatch::NoTools, Answer::Reply(reply))
    }

    /// Requests whose system prompt contains `needle` get `reply`.
    pub fn system_contains(needle: impl Into<String>, reply: Reply) -> SideRule {
        SideRule::new(
            SideMatch::SystemContains(needle.into()),
            Answer::Reply(reply),
        )
    }

    /// The rule every script ends with: requests without tools get a short
    /// text. Claude Code's own agent loop always sends tools, so a request
    /// without them is a helper call (titles, summaries, classifiers).
    pub fn default_rule() -> SideRule {
        SideRule::no_tools(Reply::text("OK"))
    }

    /// What the rule matches.
    pub fn matcher(&self) -> &SideMatch {
        &self.matcher
    }

    /// A short name for the request record.
    pub fn describe(&self) -> String {
        match &self.matcher {
            SideMatch::Model(model) => format!("model == {model:?}"),
            SideMatch::ModelContains(part) => format!("model contains {part:?}"),
            SideMatch::NoTools => "no tools".to_string(),
            SideMatch::SystemContains(needle) => format!("system contains {needle:?}"),
        }
    }
}

//! Which answer a request gets: the script's state machine (no I/O here).
//!
//! Order of decisions for one request:
//! 1. `HEAD`/`GET /api/hello` → `200` (Claude Code's connectivity check).
//! 2. `POST /v1/messages/count_tokens` → `{"input_tokens": N}`.
//! 3. `POST /v1/messages`: the first matching side rule (the script's, then
//!    [`SideRule::default_rule`]) answers without consuming a turn; otherwise
//!    the current turn answers, after its expectations are checked.
//! 4. Anything else → `404 not_found_error`, recorded as a failure.

use std::time::Duration;

use serde_json::{Value, json};

use super::api_error::ApiError;
use super::recorded::{RecordedRequest, RequestKind};
use super::script::{Answer, Block, Expectation, Repeat, Reply, Script, SideMatch, SideRule};

/// The text answered once the script has no turn left.
pub const EXHAUSTED_TEXT: &str = "script exhausted";

/// What to send back.
#[derive(Debug, Clone)]
pub(crate) enum Response {
    /// An assistant message.
    Message {
        message_id: String,
        model: String,
        reply: Reply,
        tool_ids: Vec<String>,
        input_tokens: u64,
        stream: bool,
    },
    /// An HTTP error with the API's body.
    Error(ApiError),
    /// A stream that fails after `message_start`.
    StreamError {
        error: ApiError,
        message_id: String,
        model: String,
        input_tokens: u64,
    },
    /// A JSON body.
    Json { status: u16, body: Value },
    /// No body.
    Empty { status: u16 },
}

/// The decision for one request.
#[derive(Debug, Clone)]
pub(crate) struct Decision {
    pub kind: RequestKind,
    pub response: Response,
    pub delay: Duration,
    pub request_id: String,
    /// `(turn, message)` for each problem found.
    pub failures: Vec<(Option<usize>, String)>,
}

/// The script and how far it has got.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    script: Script,
    cursor: usize,
    used_in_turn: u32,
    previous_tool_ids: Vec<String>,
    next_id: u64,
}

impl Dispatcher {
    pub fn new(script: Script) -> Dispatcher {
        Dispatcher {
            script,
            cursor: 0,
            used_in_turn: 0,
            previous_tool_ids: Vec::new(),
            next_id: 0,
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_01TestKit{:014}", self.next_id)
    }

    /// How many turns have been completely used.
    pub fn turns_used(&self) -> usize {
        let current_done = match self.script.turns.get(self.cursor) {
            Some(turn) => turn.repeat == Repeat::Forever && self.used_in_turn > 0,
            None => false,
        };
        self.cursor + usize::from(current_done)
    }

    /// Describes the turns not used yet, if any.
    pub fn unused_turns(&self) -> Option<String> {
        let used = self.turns_used();
        let total = self.script.turns.len();
        if used >= total {
            return None;
        }
        let rest: Vec<String> = self.script.turns[used..]
            .iter()
            .enumerate()
            .map(|(i, turn)| format!("turn {}: {}", used + i + 1, turn.describe()))
            .collect();
        Some(format!(
            "{} of {} turns were never requested: {}",
            total - used,
            total,
            rest.join("; ")
        ))
    }

    pub fn decide(&mut self, request: &RecordedRequest) -> Decision {
        let request_id = self.id("req");
        let route = request.route();
        let method = request.method.as_str();
        let mut decision = Decision {
            kind: RequestKind::Unexpected,
            response: Response::Empty { status: 200 },
            delay: Duration::ZERO,
            request_id,
            failures: Vec::new(),
        };
        match (method, route) {
            ("HEAD" | "GET", "/api/hello") => decision.kind = RequestKind::Preflight,
            ("POST", "/v1/messages/count_tokens") => {
                decision.kind = RequestKind::CountTokens;
                decision.response = Response::Json {
                    status: 200,
                    body: json!({ "input_tokens": estimate_tokens(request) }),
                };
            }
            ("POST", "/v1/messages") => self.decide_message(request, &mut decision),
            _ => {
                decision.failures.push((
                    None,
                    format!("unexpected request {method} {}", request.path),
                ));
                decision.response = Response::Json {
                    status: 404,
                    body: ApiError::new(404, "not_found_error", "Not found")
                        .body(&decision.request_id),
                };
            }
        }
        decision
    }

    fn decide_message(&mut self, request: &RecordedRequest, decision: &mut Decision) {
        if let Some(encoding) = request.header("content-encoding")
            && !encoding.eq_ignore_ascii_case("identity")
        {
            decision.kind = RequestKind::Main { turn: None };
            decision.failures.push((
                None,
                format!("request body is {encoding}-encoded; the model server reads plain JSON"),
            ));
            decision.response = Response::Error(ApiError::invalid_request(
                "the test model server does not decode compressed bodies",
            ));
            return;
        }
        if request.body.as_ref().is_none_or(|b| !b.is_object()) {
            decision.kind = RequestKind::Main { turn: None };
            decision.failures.push((
                None,
                "POST /v1/messages body is not a JSON object".to_string(),
            ));
            decision.response = Response::Error(ApiError::invalid_request(
                "request body is not a JSON object",
            ));
            return;
        }
        if let Some(rule) = self.side_rule_for(request) {
            decision.kind = RequestKind::Side {
                rule: rule.describe(),
            };
            decision.response = self.render(&rule.answer, request, false);
            return;
        }
        let Some(turn) = self.script.turns.get(self.cursor).cloned() else {
            decision.kind = RequestKind::Main { turn: None };
            decision.failures.push((
                None,
                format!(
                    "script exhausted: Claude Code sent main request #{} after all {} turns",
                    request.index,
                    self.script.turns.len()
                ),
            ));
            decision.response =
                self.render(&Answer::Reply(Reply::text(EXHAUSTED_TEXT)), request, true);
            return;
        };
        let index = self.cursor;
        decision.kind = RequestKind::Main { turn: Some(index) };
        decision.delay = turn.delay;
        for expectation in &turn.expectations {
            if let Some(problem) = self.check(expectation, request) {
                decision.failures.push((Some(index), problem));
            }
        }
        decision.response = self.render(&turn.answer, request, true);
        self.used_in_turn += 1;
        if let Repeat::Times(count) = turn.repeat
            && self.used_in_turn >= count
        {
            self.cursor += 1;
            self.used_in_turn = 0;
        }
    }

    fn side_rule_for(&self, request: &RecordedRequest) -> Option<SideRule> {
        let default = SideRule::default_rule();
        self.script
            .side_rules
            .iter()
            .chain(std::iter::once(&default))
            .find(|rule| side_matches(&rule.matcher, request))
            .cloned()
    }

    /// Turns an answer into a response; a main reply's tool ids become the
    /// ones the next turn's `expect_tool_results` looks for.
    fn render(&mut self, answer: &Answer, request: &RecordedRequest, main: bool) -> Response {
        let model = request.model().unwrap_or("claude-sonnet-4-5").to_string();
        match answer {
            Answer::Reply(reply) => {
                let mut tool_ids = Vec::new();
                for block in reply.blocks() {
                    if let Block::ToolUse(tool) = block {
                        let id = match &tool.id {
                            Some(id) => id.clone(),
                            None => self.id("toolu"),
                        };
                        tool_ids.push(id);
                    }
                }
                if main {
                    self.previous_tool_ids = tool_ids.clone();
                }
                Response::Message {
                    message_id: self.id("msg"),
                    model,
                    reply: reply.clone(),
                    tool_ids,
                    input_tokens: reply
                        .input_tokens
                        .unwrap_or_else(|| estimate_tokens(request)),
                    stream: request.stream(),
                }
            }
            Answer::Error(error) => Response::Error(error.clone()),
            Answer::StreamError(error) if request.stream() => Response::StreamError {
                error: error.clone(),
                message_id: self.id("msg"),
                model,
                input_tokens: estimate_tokens(request),
            },
            Answer::StreamError(error) => Response::Error(error.clone()),
        }
    }

    fn check(&self, expectation: &Expectation, request: &RecordedRequest) -> Option<String> {
        match expectation {
            Expectation::Contains(needle) => (!request.text().contains(needle.as_str()))
                .then(|| format!("expected the request to contain {needle:?}; it does not")),
            Expectation::NotContains(needle) => request
                .text()
                .contains(needle.as_str())
                .then(|| format!("expected the request not to contain {needle:?}; it does")),
            Expectation::Model(model) => (request.model() != Some(model.as_str())).then(|| {
                format!(
                    "expected model {model:?}, got {:?}",
                    request.model().unwrap_or("(none)")
                )
            }),
            Expectation::ToolResultsForPrevious => {
                if self.previous_tool_ids.is_empty() {
                    return Some(
                        "expects tool results, but the previous main reply had no tool_use"
                            .to_string(),
                    );
                }
                let results = request.tool_results();
                let missing: Vec<&String> = self
                    .previous_tool_ids
                    .iter()
                    .filter(|id| !results.iter().any(|(got, _)| got == *id))
                    .collect();
                (!missing.is_empty()).then(|| {
                    let got: Vec<&String> = results.iter().map(|(id, _)| id).collect();
                    format!(
                        "expected tool_result blocks for {missing:?} in the last message; it has {got:?}"
                    )
                })
            }
            Expectation::ToolResultContains(needle) => {
                let results = request.tool_results();
                (!results.iter().any(|(_, text)| text.contains(needle.as_str()))).then(|| {
                    format!(
                        "expected a tool_result containing {needle:?}; the last message has {results:?}"
                    )
                })
            }
        }
    }
}

fn side_matches(matcher: &SideMatch, request: &RecordedRequest) -> bool {
    match matcher {
        SideMatch::Model(model) => request.model() == Some(model.as_str()),
        SideMatch::ModelContains(part) => {
            request.model().is_some_and(|m| m.contains(part.as_str()))
        }
        SideMatch::NoTools => request.tool_names().is_empty(),
        SideMatch::SystemContains(needle) => request.system_text().contains(needle.as_str()),
    }
}

/// A quarter of the body's bytes: near enough to a token count for Claude
/// Code's context bookkeeping.
fn estimate_tokens(request: &RecordedRequest) -> u64 {
    u64::try_from(request.body_len / 4).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;

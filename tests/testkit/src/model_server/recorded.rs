//! What the server received and what went wrong, for tests to inspect.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// Header names whose values are replaced by `<redacted>` in the record.
const SECRET_HEADERS: [&str; 3] = ["x-api-key", "authorization", "proxy-authorization"];

/// How the server classified a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// A `POST /v1/messages` of the main conversation, answered by this turn
    /// (0-based), or by the "script exhausted" text when `None`.
    Main {
        /// The turn index, `None` once the script is exhausted.
        turn: Option<usize>,
    },
    /// A `POST /v1/messages` taken by a side rule (described).
    Side {
        /// [`super::SideRule::describe`] of the rule.
        rule: String,
    },
    /// `POST /v1/messages/count_tokens`.
    CountTokens,
    /// `HEAD`/`GET /api/hello`, the connectivity check Claude Code makes when
    /// non-essential traffic is allowed.
    Preflight,
    /// Anything else; answered 404 and recorded as a failure.
    Unexpected,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Position among all requests, from 0.
    pub index: usize,
    /// Time since the server started.
    pub at: Duration,
    /// `POST`, `HEAD`, …
    pub method: String,
    /// Path with query, e.g. `/v1/messages?beta=true`.
    pub path: String,
    /// Headers in arrival order, names lower-cased, secrets redacted.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`None` when empty or not JSON).
    pub body: Option<Value>,
    /// The body's length in bytes.
    pub body_len: usize,
    /// How the server classified it.
    pub kind: RequestKind,
}

impl RecordedRequest {
    /// Whether `name` (lower case) is a header recorded as `<redacted>`.
    pub(crate) fn is_secret_header(name: &str) -> bool {
        SECRET_HEADERS.contains(&name)
    }

    /// Redacts secret header values; used when recording.
    pub(crate) fn redact(name: &str, value: &str) -> String {
        if RecordedRequest::is_secret_header(name) {
            "<redacted>".to_string()
        } else {
            value.to_string()
        }
    }

    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }

    /// The body's `model`.
    pub fn model(&self) -> Option<&str> {
        self.body.as_ref()?.get("model")?.as_str()
    }

    /// The body's `stream` flag.
    pub fn stream(&self) -> bool {
        self.body
            .as_ref()
            .and_then(|b| b.get("stream"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The names of the tools offered to the model.
    pub fn tool_names(&self) -> Vec<String> {
        self.body
            .as_ref()
            .and_then(|b| b.get("tools"))
            .and_then(Value::as_array)
            .map(|tools| {
                tools
                    .iter()
                    .filter_map(|t| t.get("name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The conversation's messages.
    pub fn messages(&self) -> &[Value] {
        self.body
            .as_ref()
            .and_then(|b| b.get("messages"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every string in `system` and `messages`, one per line: what
    /// [`super::Turn::expect_contains`] searches.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(body) = &self.body {
            for key in ["system", "messages"] {
                if let Some(value) = body.get(key) {
                    collect_strings(value, &mut out);
                }
            }
        }
        out
    }

    /// Every string in `system`, one per line.
    pub fn system_text(&self) -> String {
        let mut out = String::new();
        if let Some(system) = self.body.as_ref().and_then(|b| b.get("system")) {
            collect_strings(system, &mut out);
        }
        out
    }

    /// The `tool_result` blocks of the last message: `(tool_use_id, text)`.
    pub fn tool_results(&self) -> Vec<(String, String)> {
        let Some(last) = self.messages().last() else {
            return Vec::new();
        };
        let Some(blocks) = last.get("content").and_then(Value::as_array) else {
            return Vec::new();
        };
        blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
            .map(|b| {
                let id = b
                    .get("tool_use_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let mut text = String::new();
                if let Some(content) = b.get("content") {
                    collect_strings(content, &mut text);
                }
                (id, text)
            })
            .collect()
    }

    /// One line for failure messages and listings.
    pub fn summary(&self) -> String {
        let model = self.model().unwrap_or("-");
        format!(
            "#{} {:>6.2}s {} {} model={} tools={} messages={} {:?}",
            self.index,
            self.at.as_secs_f64(),
            self.method,
            self.path,
            model,
            self.tool_names().len(),
            self.messages().len(),
            self.kind
        )
    }
}

fn collect_strings(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Something the script did not expect. Tests fail on these through
/// [`super::ModelServer::assert_ok`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The request it concerns.
    pub request: usize,
    /// The turn that answered it, if any.
    pub turn: Option<usize>,
    /// What went wrong, in words.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.turn {
            Some(turn) => write!(
                f,
                "request #{} (turn {}): {}",
                self.request,
                turn + 1,
                self.message
            ),
            None => write!(f, "request #{}: {}", self.request, self.message),
        }
    }
}

//! An assistant message on the wire: the SSE event sequence of a streaming
//! response and the JSON of a non-streaming one (no I/O here).
//!
//! The sequence is the real API's (<https://docs.claude.com/en/api/messages-streaming>):
//! `message_start` (empty content, usage so far), then per block
//! `content_block_start` / one or more `content_block_delta` /
//! `content_block_stop`, a `ping` after the first block starts, then
//! `message_delta` with `stop_reason` and cumulative usage, then
//! `message_stop`. Text comes as `text_delta`s, tool input as
//! `input_json_delta`s whose `partial_json` pieces concatenate to the input
//! (the first piece is empty, as the API sends it), thinking as
//! `thinking_delta`s and one `signature_delta`.

use serde_json::{Value, json};

use super::api_error::ApiError;
use super::script::{Block, Reply};

/// Longest piece of text or JSON in one delta, in bytes.
const DELTA_BYTES: usize = 24;

/// The signature sent with thinking blocks; Claude Code sends it back
/// unverified.
const THINKING_SIGNATURE: &str = "dGVzdGtpdC1zaWduYXR1cmU=";

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The `event:` line; always equal to `data.type`.
    pub name: &'static str,
    /// The `data:` line.
    pub data: Value,
}

impl SseEvent {
    fn new(name: &'static str, data: Value) -> SseEvent {
        SseEvent { name, data }
    }

    /// `event: NAME\ndata: JSON\n\n`.
    pub fn encode(&self) -> String {
        format!("event: {}\ndata: {}\n\n", self.name, self.data)
    }
}

/// A reply made concrete for one request: ids, model and token counts.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// `msg_…`.
    pub id: &'a str,
    /// Echoes the request's model.
    pub model: &'a str,
    /// What to say.
    pub reply: &'a Reply,
    /// One `toolu_…` id per `tool_use` block, in order.
    pub tool_ids: &'a [String],
    /// `usage.input_tokens`.
    pub input_tokens: u64,
}

impl Message<'_> {
    /// A rough output token count: a quarter of the content's bytes, at
    /// least one.
    pub fn output_tokens(&self) -> u64 {
        let bytes: usize = self
            .content()
            .iter()
            .map(|block| block.to_string().len())
            .sum();
        u64::try_from(bytes / 4).unwrap_or(u64::MAX).max(1)
    }

    /// The complete content blocks, as in a non-streaming response.
    pub fn content(&self) -> Vec<Value> {
        let mut tool_ids = self.tool_ids.iter();
        self.reply
            .blocks()
            .iter()
            .map(|block| match block {
                Block::Text(text) => json!({ "type": "text", "text": text }),
                Block::Thinking(thinking) => json!({
                    "type": "thinking",
                    "thinking": thinking,
                    "signature": THINKING_SIGNATURE,
                }),
                Block::ToolUse(tool) => json!({
                    "type": "tool_use",
                    "id": tool_ids.next().map(String::as_str).unwrap_or_default(),
                    "name": tool.name(),
                    "input": tool.input(),
                }),
            })
            .collect()
    }

    fn usage(&self, output_tokens: u64) -> Value {
        json!({
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation": { "ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0 },
            "output_tokens": output_tokens,
            "service_tier": "standard",
        })
    }

    /// The non-streaming response body.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": self.content(),
            "stop_reason": self.reply.effective_stop_reason(),
            "stop_sequence": null,
            "usage": self.usage(self.output_tokens()),
        })
    }

    fn message_start(&self) -> SseEvent {
        SseEvent::new(
            "message_start",
            json!({
                "type": "message_start",
                "message": {
                    "id": self.id,
                    "type": "message",
                    "role": "assistant",
                    "model": self.model,
                    "content": [],
                    "stop_reason": null,
                    "stop_sequence": null,
                    "usage": self.usage(1),
                },
            }),
        )
    }

    /// The streaming response's events.
    pub fn events(&self) -> Vec<SseEvent> {
        let mut events = vec![self.message_start()];
        for (index, block) in self.content().into_iter().enumerate() {
            events.extend(block_events(index, block));
            if index == 0 {
                events.push(ping());
            }
        }
        if self.reply.blocks().is_empty() {
            events.push(ping());
        }
        let output_tokens = self.output_tokens();
        events.push(SseEvent::new(
            "message_delta",
            json!({
                "type": "message_delta",
                "delta": { "stop_reason": self.reply.effective_stop_reason(), "stop_sequence": null },
                "usage": {
                    "input_tokens": self.input_tokens,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": output_tokens,
                },
            }),
        ));
        events.push(SseEvent::new(
            "message_stop",
            json!({ "type": "message_stop" }),
        ));
        events
    }

    /// A stream that starts, then fails with `error`.
    pub fn error_events(&self, error: &ApiError) -> Vec<SseEvent> {
        vec![
            self.message_start(),
            SseEvent::new(
                "error",
                json!({ "type": "error", "error": error.error_object() }),
            ),
        ]
    }
}

fn ping() -> SseEvent {
    SseEvent::new("ping", json!({ "type": "ping" }))
}

/// `content_block_start` (with the block emptied), the deltas, and
/// `content_block_stop`.
fn block_events(index: usize, block: Value) -> Vec<SseEvent> {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (start, deltas): (Value, Vec<Value>) = match kind {
        "text" => {
            let text = block
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (
                json!({ "type": "text", "text": "" }),
                pieces(text)
                    .into_iter()
                    .map(|p| json!({ "type": "text_delta", "text": p }))
                    .collect(),
            )
        }
        "thinking" => {
            let thinking = block
                .get("thinking")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut deltas: Vec<Value> = pieces(thinking)
                .into_iter()
                .map(|p| json!({ "type": "thinking_delta", "thinking": p }))
                .collect();
            deltas.push(json!({ "type": "signature_delta", "signature": THINKING_SIGNATURE }));
            (
                json!({ "type": "thinking", "thinking": "", "signature": "" }),
                deltas,
            )
        }
        _ => {
            let input = block.get("input").map(Value::to_string).unwrap_or_default();
            let mut deltas = vec![json!({ "type": "input_json_delta", "partial_json": "" })];
            deltas.extend(
                pieces(&input)
                    .into_iter()
                    .map(|p| json!({ "type": "input_json_delta", "partial_json": p })),
            );
            let mut start = block;
            if let Some(map) = start.as_object_mut() {
                map.insert("input".to_string(), json!({}));
            }
            (start, deltas)
        }
    };
    let mut events = vec![SseEvent::new(
        "content_block_start",
        json!({ "type": "content_block_start", "index": index, "content_block": start }),
    )];
    events.extend(deltas.into_iter().map(|delta| {
        SseEvent::new(
            "content_block_delta",
            json!({ "type": "content_block_delta", "index": index, "delta": delta }),
        )
    }));
    events.push(SseEvent::new(
        "content_block_stop",
        json!({ "type": "content_block_stop", "index": index }),
    ));
    events
}

/// Splits `text` into pieces of at most [`DELTA_BYTES`] bytes on character
/// boundaries; an empty text is one empty piece.
pub(crate) fn pieces(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return vec![""];
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + DELTA_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end == start {
            // One character longer than DELTA_BYTES cannot happen (max 4).
            end = text.len();
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;

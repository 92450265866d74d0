//! Content blocks of assistant and user events (`message.content[]`).

use serde_json::{Map, Value};

use super::string_field;

/// One entry of `message.content[]`.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentBlock {
    /// `{"type":"text","text":...}`.
    Text { text: String },
    /// `{"type":"tool_use","id","name","input"}`. `input` is kept as sent
    /// (an empty object when absent).
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// `{"type":"tool_result","tool_use_id","content","is_error"}`.
    /// `content` is a string or a list of blocks, kept as sent (`null` when
    /// absent); `is_error` is true only for a JSON `true`.
    ToolResult {
        tool_use_id: String,
        content: Value,
        is_error: bool,
    },
    /// `{"type":"thinking","thinking":...}` (the signature is in `raw`).
    Thinking { thinking: String },
    /// Anything else, kept whole: `redacted_thinking`, `image`,
    /// `server_tool_use`, a block whose known fields have the wrong type, or
    /// an entry that is not an object at all.
    Other(Value),
}

/// Parses `message.content`. A list gives one block per entry; a bare
/// string (how a plain prompt can appear in a user event) gives one text
/// block; anything else gives none.
pub fn parse_message_content(message: Option<&Value>) -> Vec<ContentBlock> {
    match message.and_then(|message| message.get("content")) {
        Some(Value::Array(entries)) => entries.iter().map(parse_block).collect(),
        Some(Value::String(text)) => vec![ContentBlock::Text { text: text.clone() }],
        _ => Vec::new(),
    }
}

fn parse_block(entry: &Value) -> ContentBlock {
    let Some(block) = entry.as_object() else {
        return ContentBlock::Other(entry.clone());
    };
    let known = match block.get("type").and_then(Value::as_str) {
        Some("text") => text_of(block, "text").map(|text| ContentBlock::Text { text }),
        Some("thinking") => {
            text_of(block, "thinking").map(|thinking| ContentBlock::Thinking { thinking })
        }
        Some("tool_use") => Some(ContentBlock::ToolUse {
            id: string_field(block, "id"),
            name: string_field(block, "name"),
            input: block
                .get("input")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new())),
        }),
        Some("tool_result") => Some(ContentBlock::ToolResult {
            tool_use_id: string_field(block, "tool_use_id"),
            content: block.get("content").cloned().unwrap_or(Value::Null),
            is_error: block.get("is_error").and_then(Value::as_bool) == Some(true),
        }),
        _ => None,
    };
    known.unwrap_or_else(|| ContentBlock::Other(entry.clone()))
}

/// A string field that must be present for the block to count as known.
fn text_of(block: &Map<String, Value>, key: &str) -> Option<String> {
    block.get(key).and_then(Value::as_str).map(str::to_owned)
}

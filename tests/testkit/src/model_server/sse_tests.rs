use serde_json::{Value, json};

use super::{Message, SseEvent, pieces};
use crate::model_server::{ApiError, Reply, ToolUse};

fn message<'a>(reply: &'a Reply, tool_ids: &'a [String]) -> Message<'a> {
    Message {
        id: "msg_1",
        model: "claude-sonnet-4-5",
        reply,
        tool_ids,
        input_tokens: 100,
    }
}

fn names(events: &[SseEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.name).collect()
}

#[test]
fn text_reply_follows_the_api_sequence() {
    let reply = Reply::text("hi");
    let events = message(&reply, &[]).events();
    assert_eq!(
        names(&events),
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "ping",
            "message_delta",
            "message_stop",
        ]
    );
    for event in &events {
        assert_eq!(event.data["type"], event.name, "event name is data.type");
    }
    assert_eq!(events[0].data["message"]["content"], json!([]));
    assert_eq!(events[0].data["message"]["stop_reason"], Value::Null);
    assert_eq!(
        events[2].data["delta"],
        json!({ "type": "text_delta", "text": "hi" })
    );
    assert_eq!(events[5].data["delta"]["stop_reason"], "end_turn");
    assert_eq!(events[5].data["usage"]["input_tokens"], 100);
}

#[test]
fn tool_input_deltas_concatenate_to_the_input() {
    let tool = ToolUse::bash("echo a fairly long command line > file.txt");
    let input = tool.input().clone();
    let reply = Reply::text("doing it").with_tool(tool);
    let ids = ["toolu_1".to_string()];
    let events = message(&reply, &ids).events();
    let start = events
        .iter()
        .find(|e| e.name == "content_block_start" && e.data["index"] == 1)
        .map(|e| e.data.clone());
    assert_eq!(
        start,
        Some(json!({
            "type": "content_block_start",
            "index": 1,
            "content_block": { "type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {} },
        }))
    );
    let partial: Vec<&str> = events
        .iter()
        .filter(|e| e.data["delta"]["type"] == "input_json_delta")
        .filter_map(|e| e.data["delta"]["partial_json"].as_str())
        .collect();
    assert_eq!(partial[0], "", "the API's first input delta is empty");
    assert!(partial.len() > 2, "long input is split: {partial:?}");
    let joined: String = partial.concat();
    assert_eq!(serde_json::from_str::<Value>(&joined).ok(), Some(input));
    let last_delta = events.iter().find(|e| e.name == "message_delta");
    assert_eq!(
        last_delta.map(|e| e.data["delta"]["stop_reason"].clone()),
        Some(json!("tool_use"))
    );
}

#[test]
fn ping_comes_after_the_first_block_starts() {
    let reply = Reply::text("a").with_text("b");
    let events = message(&reply, &[]).events();
    let pings: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == "ping")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pings, [4]);
}

#[test]
fn thinking_streams_with_a_signature() {
    let reply = Reply::new().with_thinking("hmm").with_text("x");
    let events = message(&reply, &[]).events();
    let kinds: Vec<Value> = events
        .iter()
        .filter(|e| e.data["index"] == 0 && e.name == "content_block_delta")
        .map(|e| e.data["delta"]["type"].clone())
        .collect();
    assert_eq!(kinds, [json!("thinking_delta"), json!("signature_delta")]);
}

#[test]
fn non_streaming_json_has_full_blocks() {
    let reply = Reply::text("hi").with_tool(ToolUse::read("/x"));
    let ids = ["toolu_9".to_string()];
    let body = message(&reply, &ids).json();
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(
        body["content"],
        json!([
            { "type": "text", "text": "hi" },
            { "type": "tool_use", "id": "toolu_9", "name": "Read", "input": { "file_path": "/x" } },
        ])
    );
    assert_eq!(body["stop_reason"], "tool_use");
}

#[test]
fn error_event_follows_message_start() {
    let reply = Reply::new();
    let events = message(&reply, &[]).error_events(&ApiError::overloaded());
    assert_eq!(names(&events), ["message_start", "error"]);
    assert_eq!(
        events[1].data,
        json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } })
    );
}

#[test]
fn encode_is_one_sse_frame() {
    let event = SseEvent {
        name: "ping",
        data: json!({ "type": "ping" }),
    };
    assert_eq!(event.encode(), "event: ping\ndata: {\"type\":\"ping\"}\n\n");
}

#[test]
fn pieces_keep_characters_whole() {
    let text = "ééééééééééééééééééééééééééé"; // 2 bytes each
    let parts = pieces(text);
    assert!(parts.iter().all(|p| p.len() <= 24));
    assert_eq!(parts.concat(), text);
    assert_eq!(pieces(""), [""]);
}

use serde_json::json;

use super::*;

#[test]
fn lines_that_are_not_events_give_none() {
    let cases = [
        ("empty", ""),
        ("spaces", "   \t "),
        ("crlf only", "\r\n"),
        ("not json", "Error: something broke"),
        ("truncated json", r#"{"type":"assistant","message":"#),
        ("array", r#"[{"type":"assistant"}]"#),
        ("string", r#""assistant""#),
        ("number", "42"),
        ("null", "null"),
        ("missing type", r#"{"subtype":"init"}"#),
        ("numeric type", r#"{"type":3}"#),
        ("null type", r#"{"type":null}"#),
        ("object type", r#"{"type":{"name":"assistant"}}"#),
        ("two objects", r#"{"type":"system"}{"type":"system"}"#),
    ];
    for (name, line) in cases {
        assert_eq!(parse_line(line), None, "{name}");
    }
}

#[test]
fn kinds_are_read_and_unknown_kinds_kept() {
    let cases = [
        ("system", EventKind::System),
        ("assistant", EventKind::Assistant),
        ("user", EventKind::User),
        ("result", EventKind::Result),
        (
            "rate_limit_event",
            EventKind::Unknown("rate_limit_event".into()),
        ),
        ("", EventKind::Unknown(String::new())),
        ("Assistant", EventKind::Unknown("Assistant".into())),
    ];
    for (name, kind) in cases {
        let line = json!({"type": name}).to_string();
        let event = parse_line(&line).expect(name);
        assert_eq!(event.kind, kind, "{name}");
        assert_eq!(event.kind.as_str(), name);
    }
}

#[test]
fn string_fields_default_to_empty() {
    let cases = [
        (json!({"type":"system"}), "", ""),
        (
            json!({"type":"system","subtype":"init","session_id":"s1"}),
            "init",
            "s1",
        ),
        (
            json!({"type":"system","subtype":5,"session_id":null}),
            "",
            "",
        ),
        (
            json!({"type":"system","subtype":["x"],"session_id":{"a":1}}),
            "",
            "",
        ),
    ];
    for (raw, subtype, session_id) in cases {
        let event = parse_value(raw.clone()).expect("event");
        assert_eq!(event.subtype, subtype, "{raw}");
        assert_eq!(event.session_id, session_id, "{raw}");
        assert_eq!(event.raw, raw);
    }
}

#[test]
fn parent_tool_use_id_is_set_only_by_a_non_empty_string() {
    let cases = [
        (json!({"type":"assistant"}), None),
        (json!({"type":"assistant","parent_tool_use_id":null}), None),
        (json!({"type":"assistant","parent_tool_use_id":""}), None),
        (json!({"type":"assistant","parent_tool_use_id":7}), None),
        (
            json!({"type":"assistant","parent_tool_use_id":"toolu_1"}),
            Some("toolu_1"),
        ),
    ];
    for (raw, expected) in cases {
        let event = parse_value(raw.clone()).expect("event");
        assert_eq!(event.parent_tool_use_id.as_deref(), expected, "{raw}");
        assert_eq!(event.is_subagent(), expected.is_some());
    }
}

#[test]
fn whitespace_around_a_line_is_ignored() {
    let event = parse_line("  {\"type\":\"user\"}\r\n").expect("event");
    assert_eq!(event.kind, EventKind::User);
}

#[test]
fn content_blocks_are_parsed_for_assistant_and_user_only() {
    let content = json!([
        {"type":"text","text":"hi"},
        {"type":"thinking","thinking":"hmm","signature":"sig"},
        {"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}},
        {"type":"tool_result","tool_use_id":"t1","content":"out","is_error":true},
        {"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"x"}]},
        {"type":"redacted_thinking","data":"..."},
        "a bare string",
        {"type":"text","text":5},
        {"type":"tool_use"},
    ]);
    let expected = vec![
        ContentBlock::Text { text: "hi".into() },
        ContentBlock::Thinking {
            thinking: "hmm".into(),
        },
        ContentBlock::ToolUse {
            id: "t1".into(),
            name: "Bash".into(),
            input: json!({"command":"ls"}),
        },
        ContentBlock::ToolResult {
            tool_use_id: "t1".into(),
            content: json!("out"),
            is_error: true,
        },
        ContentBlock::ToolResult {
            tool_use_id: "t2".into(),
            content: json!([{"type":"text","text":"x"}]),
            is_error: false,
        },
        ContentBlock::Other(json!({"type":"redacted_thinking","data":"..."})),
        ContentBlock::Other(json!("a bare string")),
        ContentBlock::Other(json!({"type":"text","text":5})),
        ContentBlock::ToolUse {
            id: String::new(),
            name: String::new(),
            input: json!({}),
        },
    ];
    for kind in ["assistant", "user"] {
        let event = parse_value(json!({"type":kind,"message":{"content":content}})).expect(kind);
        assert_eq!(event.blocks, expected, "{kind}");
    }
    for kind in ["system", "result", "other"] {
        let event = parse_value(json!({"type":kind,"message":{"content":content}})).expect(kind);
        assert!(event.blocks.is_empty(), "{kind}");
    }
}

#[test]
fn message_content_of_other_shapes() {
    let cases = [
        (json!({"type":"user"}), vec![]),
        (json!({"type":"user","message":"text"}), vec![]),
        (json!({"type":"user","message":{"content":{"a":1}}}), vec![]),
        (
            json!({"type":"user","message":{"content":"plain prompt"}}),
            vec![ContentBlock::Text {
                text: "plain prompt".into(),
            }],
        ),
    ];
    for (raw, blocks) in cases {
        assert_eq!(
            parse_value(raw.clone()).expect("event").blocks,
            blocks,
            "{raw}"
        );
    }
}

#[test]
fn joined_text_skips_empty_and_non_text_blocks() {
    let event = parse_value(json!({"type":"assistant","message":{"content":[
        {"type":"text","text":"one"},
        {"type":"text","text":""},
        {"type":"tool_use","id":"t","name":"Bash","input":{}},
        {"type":"text","text":"two"},
    ]}}))
    .expect("event");
    assert_eq!(event.joined_text().as_deref(), Some("one\n\ntwo"));
    let empty = parse_value(json!({"type":"assistant","message":{"content":[]}})).expect("event");
    assert_eq!(empty.joined_text(), None);
}

#[test]
fn api_error_messages_are_recognised_in_both_spellings() {
    let cases = [
        (
            json!({"type":"assistant","is_api_error_message":true}),
            true,
        ),
        (json!({"type":"assistant","isApiErrorMessage":true}), true),
        (
            json!({"type":"assistant","is_api_error_message":"true"}),
            false,
        ),
        (json!({"type":"assistant"}), false),
        (json!({"type":"user","is_api_error_message":true}), false),
    ];
    for (raw, expected) in cases {
        let event = parse_value(raw.clone()).expect("event");
        assert_eq!(event.is_api_error_message(), expected, "{raw}");
    }
}

#[test]
fn api_error_of_a_synthetic_assistant_message() {
    let event = parse_value(json!({
        "type":"assistant",
        "message":{"content":[{"type":"text","text":"API Error: Request rejected (429) · slow down"}]},
        "error":"rate_limit","is_api_error_message":true,
        "api_error_status":429,"api_error_type":"rate_limit_error"
    }))
    .expect("event");
    let error = event.api_error().expect("api error");
    assert_eq!(error.status, Some(429));
    assert_eq!(error.error_type.as_deref(), Some("rate_limit_error"));
    assert_eq!(error.category.as_deref(), Some("rate_limit"));
    assert!(error.is_rate_limit());

    let ordinary = parse_value(json!({"type":"assistant","api_error_status":429})).expect("event");
    assert_eq!(
        ordinary.api_error(),
        None,
        "not flagged as an API error message"
    );
}

#[test]
fn message_id_and_init() {
    let event = parse_value(json!({"type":"assistant","message":{"id":"msg_1"}})).expect("event");
    assert_eq!(event.message_id(), Some("msg_1"));
    assert!(!event.is_init());
    let init = parse_value(json!({"type":"system","subtype":"init"})).expect("event");
    assert!(init.is_init());
    assert_eq!(init.message_id(), None);
}

#[test]
fn result_fields_only_for_result_events() {
    let event = parse_value(json!({"type":"assistant","subtype":"success"})).expect("event");
    assert_eq!(event.result_fields(), None);
    assert_eq!(event.api_error(), None);
}

/// A cheap stand-in for a fuzzer: every prefix of real-looking lines, and
/// pseudo-random bytes, must parse or be refused without panicking.
#[test]
fn arbitrary_input_never_panics() {
    let samples = [
        r#"{"type":"assistant","message":{"id":"m","content":[{"type":"text","text":"héllo ✓"},{"type":"tool_use","id":"t","name":"TodoWrite","input":{"todos":[{"content":"a","status":"x","activeForm":"b"}]}}]},"parent_tool_use_id":null,"session_id":"s"}"#,
        r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":400,"result":"API Error: 400 {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 1 tokens > 0 maximum\"}}","usage":{"input_tokens":1e30,"output_tokens":-1},"num_turns":1.5,"duration_ms":18446744073709551616}"#,
    ];
    for sample in samples {
        for (at, _) in sample.char_indices() {
            exercise(&sample[..at]);
        }
        exercise(sample);
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet = br#"{}[]":,0123456789.eE-+ truefalsnl\u"typeassistantresulttodosAPI Error: 4"#;
    for _ in 0..2000 {
        let mut line = Vec::new();
        for _ in 0..(state % 64) {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            line.push(alphabet[(state >> 33) as usize % alphabet.len()]);
        }
        exercise(&String::from_utf8_lossy(&line));
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    exercise(&deep);
    exercise(&format!(r#"{{"type":"assistant","message":{deep}}}"#));
}

fn exercise(line: &str) {
    if let Some(event) = parse_line(line) {
        let _ = event.todo_list();
        let _ = event.result_fields();
        let _ = event.api_error();
        let _ = event.joined_text();
        let _ = event.message_id();
    }
}

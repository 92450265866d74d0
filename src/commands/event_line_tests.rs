use serde_json::json;

use super::*;

fn entry(event: Value) -> Value {
    // 2026-11-22T14:03:01.500Z
    json!({"task_id": "0a1b2c3d-2", "at_ms": 1_795_356_181_500_u64, "event": event})
}

fn one(event: Value) -> String {
    let lines = claude_lines(&entry(event), false);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

#[test]
fn clock_is_utc_time_of_day() {
    assert_eq!(clock(1_795_356_181_500), "14:03:01");
    assert_eq!(clock(0), "00:00:00");
    assert_eq!(clock(86_399_999), "23:59:59");
}

#[test]
fn task_labels_are_their_number() {
    assert_eq!(task_label("0a1b2c3d-12"), "#12");
    assert_eq!(task_label("weird"), "weird");
    assert_eq!(task_label("x-\u{1b}"), "x-\\x1b");
}

#[test]
fn init_text_tool_output_and_result() {
    assert_eq!(
        one(
            json!({"type": "system", "subtype": "init", "model": "claude-sonnet-4-5", "session_id": "s-1"})
        ),
        "14:03:01 #2 init     model claude-sonnet-4-5, session s-1"
    );
    assert_eq!(
        one(
            json!({"type": "assistant", "message": {"content": [{"type": "text", "text": "Looking.\nNow."}]}})
        ),
        "14:03:01 #2 text     Looking.↵Now."
    );
    assert_eq!(
        one(json!({"type": "assistant", "message": {"content": [
            {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "sleep 8; echo done"}}
        ]}})),
        "14:03:01 #2 tool     Bash sleep 8; echo done"
    );
    assert_eq!(
        one(json!({"type": "assistant", "message": {"content": [
            {"type": "tool_use", "id": "t2", "name": "mcp__x", "input": {"a": 1}}
        ]}})),
        "14:03:01 #2 tool     mcp__x {\"a\":1}"
    );
    assert_eq!(
        one(json!({"type": "user", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "done"}]}
        ]}})),
        "14:03:01 #2 output   done"
    );
    assert_eq!(
        one(json!({"type": "user", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "no such file", "is_error": true}
        ]}})),
        "14:03:01 #2 failed   no such file"
    );
    assert_eq!(
        one(
            json!({"type": "result", "subtype": "success", "total_cost_usd": 0.01234, "num_turns": 2,
                   "duration_ms": 3200, "result": "All done.",
                   "usage": {"input_tokens": 100, "cache_read_input_tokens": 20, "output_tokens": 7}})
        ),
        "14:03:01 #2 done     success · $0.0123 · 2 turns · 120 in / 7 out tokens · 3.2 s"
    );
    assert!(
        one(json!({"type": "result", "subtype": "error_max_turns", "is_error": true}))
            .contains(" failed   error_max_turns")
    );
}

#[test]
fn one_line_per_block_and_subagents_marked() {
    let lines = claude_lines(
        &entry(
            json!({"type": "assistant", "parent_tool_use_id": "t9", "message": {"content": [
                {"type": "thinking", "thinking": "hmm"},
                {"type": "tool_use", "id": "t3", "name": "Read", "input": {"file_path": "/workspace/a.rs"}}
            ]}}),
        ),
        false,
    );
    assert_eq!(
        lines,
        [
            "14:03:01 #2 thinking ↳ hmm",
            "14:03:01 #2 tool     ↳ Read /workspace/a.rs"
        ]
    );
}

#[test]
fn unknown_and_unparsed_events_still_get_a_line() {
    assert_eq!(
        one(json!({"type": "rate_limit_event"})),
        "14:03:01 #2 event    rate_limit_event"
    );
    assert_eq!(
        one(json!("not an object")),
        "14:03:01 #2 event    \"not an object\""
    );
    assert_eq!(
        one(json!({"type": "system", "subtype": "api_retry"})),
        "14:03:01 #2 system   api_retry"
    );
}

#[test]
fn agent_text_cannot_drive_the_terminal() {
    let line = one(json!({"type": "assistant", "message": {"content": [
        {"type": "text", "text": "a\u{1b}[2Jb\r\nc\u{202e}d\u{7}"}
    ]}}));
    assert_eq!(line, "14:03:01 #2 text     a\\x1b[2Jb↵c\\u{202e}d\\x07");
    assert!(!line.contains('\u{1b}') && !line.contains('\n'));
}

#[test]
fn long_texts_are_clipped() {
    let long = "x".repeat(500);
    let line =
        one(json!({"type": "assistant", "message": {"content": [{"type": "text", "text": long}]}}));
    let detail = line.rsplit(' ').next().unwrap_or_default();
    assert_eq!(detail.chars().count(), DETAIL_CHARS);
    assert!(detail.ends_with('…'));
    assert_eq!(clip("  short  ", 10), "short");
}

#[test]
fn colour_only_when_enabled() {
    let coloured = claude_lines(
        &entry(json!({"type": "assistant", "message": {"content": [
            {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}
        ]}})),
        true,
    );
    assert!(
        coloured[0].contains("\x1b[36mtool    \x1b[0m"),
        "{coloured:?}"
    );
    assert!(colour_enabled(true, None, Some("xterm")));
    assert!(!colour_enabled(false, None, None));
    assert!(!colour_enabled(true, Some(""), None));
    assert!(!colour_enabled(true, None, Some("dumb")));
}

#[test]
fn network_lines_use_the_proxy_rendering() {
    let blocked = json!({"time": "2026-11-22T14:03:02.000Z", "task_id": "0a1b2c3d-2", "kind": "connect",
                         "verdict": "blocked", "url": "evil.com:443", "status": 403, "reason": "not allowed"});
    assert_eq!(
        network_line(&blocked, false),
        "14:03:02 BLOCKED CONNECT evil.com:443 -> 403 (not allowed)"
    );
    assert_eq!(
        network_line(&blocked, true),
        "\x1b[31m14:03:02 BLOCKED CONNECT evil.com:443 -> 403 (not allowed)\x1b[0m"
    );
    assert_eq!(line_task(&blocked), Some("0a1b2c3d-2"));
    assert_eq!(network_line(&json!("garbage\u{1b}"), true), "garbage\\x1b");
}

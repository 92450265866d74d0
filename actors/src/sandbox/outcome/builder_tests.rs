use serde_json::{Value, json};

use super::*;
use crate::sandbox::stream_json::parse_value;

fn build(events: &[Value], facts: &RunFacts) -> TaskResult {
    let mut builder = ResultBuilder::new();
    for raw in events {
        builder.on_event(&parse_value(raw.clone()).expect("event"));
    }
    builder.finish(facts)
}

fn ok_facts() -> RunFacts {
    RunFacts {
        exit_code: Some(0),
        wall_duration_ms: 9_999,
        ..RunFacts::default()
    }
}

fn init(session: &str) -> Value {
    json!({"type":"system","subtype":"init","session_id":session})
}

fn text(message_id: &str, text: &str) -> Value {
    json!({"type":"assistant","session_id":"s","parent_tool_use_id":null,
           "message":{"id":message_id,"content":[{"type":"text","text":text}]}})
}

fn subagent_text(text: &str) -> Value {
    json!({"type":"assistant","parent_tool_use_id":"toolu_task",
           "message":{"id":"sub","content":[{"type":"text","text":text}]}})
}

fn tool(id: &str, name: &str, parent: Option<&str>) -> Value {
    json!({"type":"assistant","parent_tool_use_id":parent,
           "message":{"id":format!("m-{id}"),"content":[{"type":"tool_use","id":id,"name":name,"input":{}}]}})
}

fn success(text: &str) -> Value {
    json!({"type":"result","subtype":"success","is_error":false,"result":text,
           "session_id":"s","duration_ms":100,"num_turns":2,"total_cost_usd":0.5,
           "usage":{"input_tokens":7,"output_tokens":8,"service_tier":"standard"}})
}

#[test]
fn a_plain_successful_run() {
    let result = build(
        &[init("s"), text("m1", "Hello."), success("Hello.")],
        &ok_facts(),
    );
    assert_eq!(result.outcome, Outcome::Success);
    assert_eq!(result.response_text.as_deref(), Some("Hello."));
    assert_eq!(result.error_summary, None);
    assert_eq!(result.session_id.as_deref(), Some("s"));
    assert_eq!(result.duration_ms, 100);
    assert_eq!(result.num_turns, 2);
    assert_eq!(result.total_cost_usd, Some(0.5));
    assert_eq!(result.session_cost_usd, Some(0.5));
    assert_eq!(result.usage.input_tokens, 7);
    assert_eq!(
        result.usage.extra.get("service_tier"),
        Some(&json!("standard"))
    );
    assert!(!result.is_error);
    assert_eq!(result.api_error_status, None);
}

#[test]
fn subagent_text_never_becomes_the_reply() {
    let long = "a subagent's long report ".repeat(20);
    let events = [
        init("s"),
        text("m1", "I'll ask a helper."),
        subagent_text(&long),
        text("m2", "Here it is."),
        success("Here it is."),
    ];
    let result = build(&events, &ok_facts());
    assert_eq!(result.response_text.as_deref(), Some("Here it is."));
}

#[test]
fn blocks_of_one_message_form_one_candidate() {
    let events = [
        text(
            "m1",
            "Part one of a long answer that goes on and on and on.",
        ),
        text("m1", "Part two."),
        text("m2", "Bye."),
        success("Bye."),
    ];
    let result = build(&events, &ok_facts());
    assert_eq!(
        result.response_text.as_deref(),
        Some("Part one of a long answer that goes on and on and on.\n\nPart two.\n\nBye.")
    );
}

#[test]
fn reply_fallbacks() {
    let several = [
        text("m1", "first"),
        success("first result"),
        text("m2", "second"),
        success(""),
        success("third result"),
    ];
    let only_result = [success("from the result")];
    let nothing = [json!({"type":"result","subtype":"success","is_error":false})];
    let cases: [(&str, &[Value], &str); 3] = [
        ("several results", &several, "first result\n\nthird result"),
        ("no assistant text", &only_result, "from the result"),
        ("no text at all", &nothing, reply::NO_OUTPUT),
    ];
    for (name, events, expected) in cases {
        let result = build(events, &ok_facts());
        assert_eq!(result.response_text.as_deref(), Some(expected), "{name}");
    }
}

#[test]
fn several_results_sum_duration_and_turns_and_keep_the_last_usage() {
    let events = [success("a"), success("b")];
    let result = build(&events, &ok_facts());
    assert_eq!(result.duration_ms, 200);
    assert_eq!(result.num_turns, 4);
    assert_eq!(result.usage.input_tokens, 7);
}

#[test]
fn run_cost_uses_the_cost_since_the_last_result() {
    let with_since = |total: f64, since: f64| {
        json!({"type":"result","subtype":"success","is_error":false,"total_cost_usd":total,
               "model_usage_since_last_result":{"m":{"costUSD":since}}})
    };
    // A resumed run: the CLI's total includes the earlier runs.
    let resumed = build(&[with_since(0.75, 0.25)], &ok_facts());
    assert_eq!(resumed.total_cost_usd, Some(0.25));
    assert_eq!(resumed.session_cost_usd, Some(0.75));
    let two = build(&[with_since(0.5, 0.5), with_since(0.75, 0.25)], &ok_facts());
    assert_eq!(two.total_cost_usd, Some(0.75));
    let older = build(&[success("x")], &ok_facts());
    assert_eq!(older.total_cost_usd, Some(0.5));
}

#[test]
fn wall_time_when_no_result_reports_a_duration() {
    let events = [json!({"type":"result","subtype":"success","is_error":false})];
    assert_eq!(build(&events, &ok_facts()).duration_ms, 9_999);
    assert_eq!(build(&[], &ok_facts()).duration_ms, 9_999);
}

#[test]
fn session_id_sources() {
    let no_id = json!({"type":"result","subtype":"success"});
    let cases: [(&str, Vec<Value>, Option<&str>); 4] = [
        ("result", vec![init("a"), success("x")], Some("s")),
        (
            "init when the result has none",
            vec![init("a"), no_id.clone()],
            Some("a"),
        ),
        ("any event", vec![text("m", "hi")], Some("s")),
        ("none", vec![no_id], None),
    ];
    for (name, events, expected) in cases {
        assert_eq!(
            build(&events, &ok_facts()).session_id.as_deref(),
            expected,
            "{name}"
        );
    }
}

#[test]
fn web_tools_of_main_agent_and_subagents_count_once_per_id() {
    let events = [
        tool("w1", "WebSearch", None),
        tool("w1", "WebSearch", None),
        tool("w2", "WebSearch", Some("toolu_task")),
        tool("f1", "WebFetch", None),
        tool("", "WebFetch", None),
        tool("", "WebFetch", None),
        tool("b1", "Bash", None),
        success("done"),
    ];
    let result = build(&events, &ok_facts());
    assert_eq!(result.web_search_count, 2);
    assert_eq!(result.web_fetch_count, 3);
}

#[test]
fn error_summaries() {
    let long_error: String = (1..=15).map(|n| format!("e{n}\n")).collect();
    let failed =
        |text: &str| json!({"type":"result","subtype":"success","is_error":true,"result":text});
    let stderr = RunFacts {
        exit_code: Some(1),
        stderr_tail: vec!["warn: a".into(), "fatal: b".into()],
        ..RunFacts::default()
    };
    let cases: Vec<(&str, Vec<Value>, RunFacts, Option<String>)> = vec![
        (
            "result text, last ten lines",
            vec![text("m", "assistant"), failed(&long_error)],
            stderr.clone(),
            Some(
                (6..=15)
                    .map(|n| format!("e{n}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ),
        (
            "errors list",
            vec![
                json!({"type":"result","subtype":"error_during_execution","is_error":true,
                        "errors":["first","second"]}),
            ],
            stderr.clone(),
            Some("first\nsecond".into()),
        ),
        (
            "assistant text",
            vec![
                text("m1", " one "),
                text("m2", "two"),
                json!({"type":"result","subtype":"error_max_turns"}),
            ],
            stderr.clone(),
            Some("one\ntwo".into()),
        ),
        (
            "stderr last",
            vec![json!({"type":"result","subtype":"error_max_turns"})],
            stderr.clone(),
            Some("warn: a\nfatal: b".into()),
        ),
        (
            "container failed prefers stderr",
            vec![text("m", "partial")],
            stderr.clone(),
            Some("warn: a\nfatal: b".into()),
        ),
        (
            "container failed, then assistant text",
            vec![text("m", "partial")],
            RunFacts {
                exit_code: Some(1),
                ..RunFacts::default()
            },
            Some("partial".into()),
        ),
        (
            "container failed, nothing at all",
            vec![],
            RunFacts {
                exit_code: Some(137),
                ..RunFacts::default()
            },
            Some("Claude Code exited with code 137 without a result.".into()),
        ),
        (
            "container failed, no exit code",
            vec![],
            RunFacts::default(),
            Some("Claude Code ended without a result.".into()),
        ),
        (
            "timeout with nothing to say",
            vec![],
            RunFacts {
                timed_out: true,
                ..RunFacts::default()
            },
            None,
        ),
    ];
    for (name, events, facts, expected) in cases {
        let result = build(&events, &facts);
        assert!(!result.outcome.is_success(), "{name}");
        assert!(result.is_error, "{name}");
        assert_eq!(result.response_text, None, "{name}");
        assert_eq!(result.error_summary, expected, "{name}");
    }
}

#[test]
fn an_api_error_message_is_not_a_reply_and_gives_the_status() {
    let error_message = json!({"type":"assistant","is_api_error_message":true,"error":"rate_limit",
        "api_error_status":429,"message":{"id":"e","content":[{"type":"text","text":"API Error: Request rejected (429)"}]}});
    let bare_failure = json!({"type":"result","subtype":"success","is_error":true});
    let result = build(&[error_message, bare_failure], &ok_facts());
    assert_eq!(result.outcome, Outcome::RateLimited);
    assert_eq!(result.api_error_status, Some(429));
    assert_eq!(
        result.error_summary.as_deref(),
        Some("API Error: Request rejected (429)")
    );
}

#[test]
fn subagent_results_are_not_the_runs() {
    let sub_result = json!({"type":"result","subtype":"success","is_error":true,
        "parent_tool_use_id":"toolu_task","result":"sub failed"});
    let result = build(&[success("fine"), sub_result], &ok_facts());
    assert_eq!(result.outcome, Outcome::Success);
}

#[test]
fn task_result_round_trips_through_serde() {
    let result = build(&[init("s"), text("m", "hi"), success("hi")], &ok_facts());
    let text = serde_json::to_string(&result).expect("serialise");
    let back: TaskResult = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, result);
    let value: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(value["outcome"], json!("success"));
}

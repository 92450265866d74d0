use std::time::Duration;

use serde_json::{Value, json};

use super::{Dispatcher, EXHAUSTED_TEXT, Response};
use crate::model_server::{
    ApiError, RecordedRequest, Reply, RequestKind, Script, SideRule, ToolUse, Turn,
};

fn request(index: usize, body: Value) -> RecordedRequest {
    let body_len = body.to_string().len();
    RecordedRequest {
        index,
        at: Duration::ZERO,
        method: "POST".to_string(),
        path: "/v1/messages?beta=true".to_string(),
        headers: Vec::new(),
        body: Some(body),
        body_len,
        kind: RequestKind::Unexpected,
    }
}

/// A main-conversation request: with tools, as Claude Code's agent loop
/// sends them.
fn main_request(index: usize, messages: Value) -> RecordedRequest {
    request(
        index,
        json!({
            "model": "claude-sonnet-4-5",
            "stream": true,
            "tools": [{ "name": "Bash" }],
            "messages": messages,
        }),
    )
}

fn user(text: &str) -> Value {
    json!([{ "role": "user", "content": [{ "type": "text", "text": text }] }])
}

fn tool_result_message(id: &str, text: &str) -> Value {
    json!([
        { "role": "user", "content": "go" },
        { "role": "assistant", "content": [{ "type": "tool_use", "id": id, "name": "Bash", "input": {} }] },
        { "role": "user", "content": [{ "type": "tool_result", "tool_use_id": id, "content": text }] },
    ])
}

fn reply_text(response: &Response) -> String {
    match response {
        Response::Message { reply, .. } => reply.describe(),
        other => format!("{other:?}"),
    }
}

fn tool_ids(response: &Response) -> Vec<String> {
    match response {
        Response::Message { tool_ids, .. } => tool_ids.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn turns_advance_one_per_main_request() {
    let mut d = Dispatcher::new(
        Script::new()
            .turn(Turn::text("one"))
            .turn(Turn::text("two")),
    );
    let first = d.decide(&main_request(0, user("hi")));
    assert_eq!(first.kind, RequestKind::Main { turn: Some(0) });
    assert_eq!(reply_text(&first.response), "[text \"one\"]");
    let second = d.decide(&main_request(1, user("hi")));
    assert_eq!(second.kind, RequestKind::Main { turn: Some(1) });
    assert!(second.failures.is_empty());
    assert_eq!(d.unused_turns(), None);
}

#[test]
fn exhausted_script_answers_and_fails() {
    let mut d = Dispatcher::new(Script::new().turn(Turn::text("one")));
    d.decide(&main_request(0, user("hi")));
    let extra = d.decide(&main_request(1, user("hi")));
    assert_eq!(extra.kind, RequestKind::Main { turn: None });
    assert_eq!(
        reply_text(&extra.response),
        format!("[text {EXHAUSTED_TEXT:?}]")
    );
    assert_eq!(extra.failures.len(), 1);
    assert!(extra.failures[0].1.contains("script exhausted"));
}

#[test]
fn requests_without_tools_are_side_requests() {
    let mut d = Dispatcher::new(Script::new().turn(Turn::text("main")));
    let side = d.decide(&request(
        0,
        json!({ "model": "claude-haiku-4-5", "messages": user("title?") }),
    ));
    assert_eq!(
        side.kind,
        RequestKind::Side {
            rule: "no tools".to_string()
        }
    );
    assert_eq!(reply_text(&side.response), "[text \"OK\"]");
    assert_eq!(d.turns_used(), 0, "a side request consumes no turn");
}

#[test]
fn script_side_rules_come_first() {
    let mut d = Dispatcher::new(
        Script::new()
            .side(SideRule::model_contains("haiku", Reply::text("A title")))
            .turn(Turn::text("main")),
    );
    let mut body = main_request(0, user("x")).body.unwrap_or_default();
    body["model"] = json!("claude-haiku-4-5");
    let side = d.decide(&request(0, body));
    assert_eq!(reply_text(&side.response), "[text \"A title\"]");
    let main = d.decide(&main_request(1, user("x")));
    assert_eq!(main.kind, RequestKind::Main { turn: Some(0) });
}

#[test]
fn expect_contains_records_a_failure_but_still_answers() {
    let mut d = Dispatcher::new(
        Script::new()
            .turn(Turn::text("second").expect_contains("PELICAN"))
            .turn(Turn::text("third").expect_not_contains("secret")),
    );
    let missed = d.decide(&main_request(0, user("no bird here")));
    assert_eq!(missed.failures.len(), 1);
    assert_eq!(missed.failures[0].0, Some(0));
    assert_eq!(reply_text(&missed.response), "[text \"second\"]");
    let hit = d.decide(&main_request(1, user("the secret")));
    assert!(hit.failures[0].1.contains("not to contain"));
}

#[test]
fn expect_tool_results_checks_the_previous_replys_ids() {
    let mut d = Dispatcher::new(
        Script::new().turn(Turn::tool(ToolUse::bash("true"))).turn(
            Turn::text("done")
                .expect_tool_results()
                .expect_tool_result_contains("ok"),
        ),
    );
    let first = d.decide(&main_request(0, user("go")));
    let ids = tool_ids(&first.response);
    assert_eq!(ids.len(), 1);
    assert!(ids[0].starts_with("toolu_"));
    let good = d.decide(&main_request(1, tool_result_message(&ids[0], "ok")));
    assert!(good.failures.is_empty(), "{:?}", good.failures);

    let mut d = Dispatcher::new(
        Script::new()
            .turn(Turn::tool(ToolUse::bash("true").with_id("toolu_mine")))
            .turn(Turn::text("done").expect_tool_results()),
    );
    d.decide(&main_request(0, user("go")));
    let bad = d.decide(&main_request(1, tool_result_message("toolu_other", "ok")));
    assert_eq!(bad.failures.len(), 1);
    assert!(bad.failures[0].1.contains("toolu_mine"));
}

#[test]
fn times_and_forever_repeat_a_turn() {
    let mut d = Dispatcher::new(
        Script::new()
            .turn(Turn::error(ApiError::internal()).times(2))
            .turn(Turn::error(ApiError::overloaded()).forever()),
    );
    let kinds: Vec<RequestKind> = (0..5)
        .map(|i| d.decide(&main_request(i, user("x"))).kind)
        .collect();
    let turns: Vec<Option<usize>> = kinds
        .iter()
        .map(|k| match k {
            RequestKind::Main { turn } => *turn,
            _ => None,
        })
        .collect();
    assert_eq!(turns, [Some(0), Some(0), Some(1), Some(1), Some(1)]);
    assert_eq!(d.unused_turns(), None);
}

#[test]
fn unused_turns_are_described() {
    let d = Dispatcher::new(Script::new().turn(Turn::text("never")));
    let unused = d.unused_turns().unwrap_or_default();
    assert!(unused.contains("1 of 1 turns"), "{unused}");
    assert!(unused.contains("never"), "{unused}");
}

#[test]
fn errors_keep_the_previous_tool_ids_for_the_retry() {
    let mut d = Dispatcher::new(
        Script::new()
            .turn(Turn::tool(ToolUse::bash("true").with_id("toolu_a")))
            .turn(Turn::error(ApiError::overloaded()))
            .turn(Turn::text("done").expect_tool_results()),
    );
    d.decide(&main_request(0, user("go")));
    d.decide(&main_request(1, tool_result_message("toolu_a", "x")));
    let retried = d.decide(&main_request(2, tool_result_message("toolu_a", "x")));
    assert!(retried.failures.is_empty(), "{:?}", retried.failures);
}

#[test]
fn stream_error_without_stream_is_an_http_error() {
    let mut d = Dispatcher::new(
        Script::new()
            .turn(Turn::stream_error(ApiError::overloaded()))
            .turn(Turn::stream_error(ApiError::overloaded())),
    );
    let streamed = d.decide(&main_request(0, user("x")));
    assert!(matches!(streamed.response, Response::StreamError { .. }));
    let mut body = main_request(1, user("x")).body.unwrap_or_default();
    body["stream"] = json!(false);
    let plain = d.decide(&request(1, body));
    assert!(matches!(plain.response, Response::Error(_)));
}

#[test]
fn other_endpoints() {
    let mut d = Dispatcher::new(Script::new());
    let mut hello = request(0, json!(null));
    hello.method = "HEAD".to_string();
    hello.path = "/api/hello".to_string();
    assert_eq!(d.decide(&hello).kind, RequestKind::Preflight);

    let mut count = request(1, json!({ "model": "m", "messages": [] }));
    count.path = "/v1/messages/count_tokens?beta=true".to_string();
    let counted = d.decide(&count);
    assert_eq!(counted.kind, RequestKind::CountTokens);
    assert!(matches!(
        counted.response,
        Response::Json { status: 200, .. }
    ));

    let mut models = request(2, json!(null));
    models.method = "GET".to_string();
    models.path = "/v1/models".to_string();
    let unexpected = d.decide(&models);
    assert_eq!(unexpected.kind, RequestKind::Unexpected);
    assert!(matches!(
        unexpected.response,
        Response::Json { status: 404, .. }
    ));
    assert_eq!(unexpected.failures.len(), 1);
}

#[test]
fn bad_bodies_are_failures() {
    let mut d = Dispatcher::new(Script::new().turn(Turn::text("x")));
    let mut broken = request(0, json!(null));
    broken.body = None;
    let decision = d.decide(&broken);
    assert!(matches!(decision.response, Response::Error(_)));
    assert_eq!(decision.failures.len(), 1);

    let mut gzipped = main_request(1, user("x"));
    gzipped
        .headers
        .push(("content-encoding".to_string(), "gzip".to_string()));
    assert!(d.decide(&gzipped).failures[0].1.contains("gzip"));
    assert_eq!(d.turns_used(), 0);
}

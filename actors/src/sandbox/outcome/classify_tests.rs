use serde_json::{Value, json};

use super::*;
use crate::sandbox::stream_json::{ApiError, ResultFields, parse_value};

fn result(mut raw: Value) -> ResultFields {
    raw["type"] = json!("result");
    parse_value(raw)
        .and_then(|event| event.result_fields())
        .expect("result event")
}

fn facts(resumed: bool) -> RunFacts {
    RunFacts {
        exit_code: Some(1),
        resumed,
        ..RunFacts::default()
    }
}

fn api_failure(status: u64, error_type: &str, text: &str) -> Value {
    json!({"subtype":"success","is_error":true,"api_error_status":status,
           "api_error_type":error_type,"terminal_reason":"api_error","result":text})
}

#[test]
fn run_facts_come_first_in_their_order() {
    let success = result(json!({"subtype":"success","is_error":false}));
    let all = RunFacts {
        stopped: true,
        timed_out: true,
        oom_killed: true,
        ..RunFacts::default()
    };
    let cases = [
        (all.clone(), Outcome::Stopped),
        (
            RunFacts {
                stopped: false,
                ..all.clone()
            },
            Outcome::Timeout,
        ),
        (
            RunFacts {
                stopped: false,
                timed_out: false,
                ..all
            },
            Outcome::OutOfMemory,
        ),
    ];
    for (facts, outcome) in cases {
        assert_eq!(classify(Some(&success), None, &facts), outcome, "{facts:?}");
    }
}

#[test]
fn outcome_of_the_last_result() {
    let prompt_too_long_text = "Prompt is too long · the request is ~210000 tokens (limit 200000)";
    let legacy_ptl = r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}"#;
    let legacy_400 = r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.1: tool_use ids must be unique"}}"#;
    // (name, result, resumed, outcome)
    let cases = [
        (
            "success",
            json!({"subtype":"success","is_error":false,"result":"ok"}),
            false,
            Outcome::Success,
        ),
        (
            "success without is_error",
            json!({"subtype":"success","result":"ok"}),
            true,
            Outcome::Success,
        ),
        (
            "is_error without an API error",
            json!({"subtype":"success","is_error":true,"result":"something failed"}),
            false,
            Outcome::AgentError,
        ),
        (
            "max turns",
            json!({"subtype":"error_max_turns","is_error":true}),
            true,
            Outcome::AgentError,
        ),
        (
            "error during execution",
            json!({"subtype":"error_during_execution","is_error":true,"errors":["boom"]}),
            true,
            Outcome::AgentError,
        ),
        (
            "prompt too long, 2.1.330",
            json!({"subtype":"success","is_error":true,"api_error_status":400,
                   "api_error_type":"invalid_request_error","terminal_reason":"prompt_too_long",
                   "result":prompt_too_long_text}),
            false,
            Outcome::PromptTooLong,
        ),
        (
            "prompt too long, resumed",
            json!({"subtype":"success","is_error":true,"api_error_status":400,
                   "terminal_reason":"prompt_too_long","result":prompt_too_long_text}),
            true,
            Outcome::PromptTooLong,
        ),
        (
            "prompt too long, older embedded body",
            json!({"subtype":"success","is_error":true,"result":legacy_ptl}),
            true,
            Outcome::PromptTooLong,
        ),
        (
            "prompt too long, older bare text",
            json!({"subtype":"success","is_error":true,"result":"Prompt is too long"}),
            false,
            Outcome::PromptTooLong,
        ),
        (
            "rate limited",
            api_failure(
                429,
                "rate_limit_error",
                "API Error: Request rejected (429) · x",
            ),
            false,
            Outcome::RateLimited,
        ),
        (
            "rate limited on a resume is not a session problem",
            api_failure(
                429,
                "rate_limit_error",
                "API Error: Request rejected (429) · x",
            ),
            true,
            Outcome::RateLimited,
        ),
        (
            "rate limited, older text",
            json!({"subtype":"success","is_error":true,
                   "result":"API Error: 429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"x\"}}"}),
            false,
            Outcome::RateLimited,
        ),
        (
            "400 on a resume",
            api_failure(400, "invalid_request_error", "API Error: 400 tool_use ids"),
            true,
            Outcome::SessionUnresumable,
        ),
        (
            "400 on a resume, older text",
            json!({"subtype":"success","is_error":true,"result":legacy_400}),
            true,
            Outcome::SessionUnresumable,
        ),
        (
            "413 on a resume",
            api_failure(413, "request_too_large", "API Error: 413"),
            true,
            Outcome::SessionUnresumable,
        ),
        (
            "400 on a fresh session",
            api_failure(400, "invalid_request_error", "API Error: 400 x"),
            false,
            Outcome::AgentError,
        ),
        (
            "401 on a resume is the key, not the session",
            api_failure(401, "authentication_error", "API Error: 401"),
            true,
            Outcome::AgentError,
        ),
        (
            "403 on a resume",
            api_failure(403, "permission_error", "API Error: 403"),
            true,
            Outcome::AgentError,
        ),
        (
            "400 billing on a resume",
            api_failure(400, "billing_error", "Credit balance is too low"),
            true,
            Outcome::AgentError,
        ),
        (
            "500",
            api_failure(500, "api_error", "API Error: 500 Internal server error."),
            true,
            Outcome::AgentError,
        ),
        (
            "529",
            api_failure(529, "overloaded_error", "API Error: 529 Overloaded."),
            true,
            Outcome::AgentError,
        ),
    ];
    for (name, raw, resumed, outcome) in cases {
        let fields = result(raw);
        assert_eq!(
            classify(Some(&fields), None, &facts(resumed)),
            outcome,
            "{name}"
        );
    }
}

#[test]
fn words_in_a_successful_result_do_not_change_the_outcome() {
    let texts = [
        "Prompt is too long",
        "API Error: 429 {\"error\":{\"type\":\"rate_limit_error\"}}",
        "API Error: 400 {}",
    ];
    for text in texts {
        let fields = result(json!({"subtype":"success","is_error":false,"result":text}));
        assert_eq!(
            classify(Some(&fields), None, &facts(true)),
            Outcome::Success,
            "{text}"
        );
    }
}

#[test]
fn the_api_error_message_fills_in_for_a_result_without_one() {
    let fields = result(json!({"subtype":"success","is_error":true,"result":"failed"}));
    let assistant = ApiError {
        status: Some(429),
        ..ApiError::default()
    };
    assert_eq!(
        classify(Some(&fields), Some(&assistant), &facts(false)),
        Outcome::RateLimited
    );
    let success = result(json!({"subtype":"success","is_error":false}));
    assert_eq!(
        classify(Some(&success), Some(&assistant), &facts(false)),
        Outcome::Success
    );
}

#[test]
fn no_result_event() {
    let not_found = vec!["No conversation found with session ID: abc".to_owned()];
    let prefixed = vec!["Error: No conversation found with session ID: abc".to_owned()];
    let other = vec!["TypeError: boom".to_owned()];
    let cases = [
        (true, not_found.clone(), Outcome::SessionUnresumable),
        (true, prefixed, Outcome::SessionUnresumable),
        (false, not_found, Outcome::ContainerFailed),
        (true, other, Outcome::ContainerFailed),
        (true, vec![], Outcome::ContainerFailed),
    ];
    for (resumed, stderr_tail, outcome) in cases {
        let facts = RunFacts {
            resumed,
            stderr_tail: stderr_tail.clone(),
            ..RunFacts::default()
        };
        assert_eq!(classify(None, None, &facts), outcome, "{stderr_tail:?}");
    }
}

#[test]
fn outcome_names() {
    let cases = [
        (Outcome::Success, "success"),
        (Outcome::AgentError, "agent_error"),
        (Outcome::Timeout, "timeout"),
        (Outcome::PromptTooLong, "prompt_too_long"),
        (Outcome::SessionUnresumable, "session_unresumable"),
        (Outcome::RateLimited, "rate_limited"),
        (Outcome::OutOfMemory, "out_of_memory"),
        (Outcome::ContainerFailed, "container_failed"),
        (Outcome::Stopped, "stopped"),
    ];
    for (outcome, name) in cases {
        assert_eq!(outcome.as_str(), name);
        assert_eq!(outcome.to_string(), name);
        assert_eq!(
            serde_json::to_value(outcome).expect("serialise"),
            json!(name)
        );
        let back: Outcome = serde_json::from_value(json!(name)).expect("deserialise");
        assert_eq!(back, outcome);
        assert_eq!(outcome.is_success(), name == "success");
        assert_eq!(
            outcome.calls_for_fresh_session(),
            matches!(name, "prompt_too_long" | "session_unresumable")
        );
    }
}

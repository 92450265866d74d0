use serde_json::{Value, json};

use super::*;

fn fields(raw: Value) -> ResultFields {
    parse_value(raw)
        .and_then(|event| event.result_fields())
        .expect("result event")
}

#[test]
fn a_successful_result() {
    let result = fields(json!({
        "type":"result","subtype":"success","is_error":false,
        "result":"Done.","session_id":"s1",
        "duration_ms":1200,"duration_api_ms":900,"num_turns":3,
        "total_cost_usd":0.25,"api_error_status":null,"terminal_reason":"completed",
        "usage":{"input_tokens":10,"output_tokens":20,
                 "cache_creation_input_tokens":30,"cache_read_input_tokens":40,
                 "service_tier":"standard","server_tool_use":{"web_search_requests":1}},
        "model_usage_since_last_result":{"a":{"costUSD":0.1},"b":{"costUSD":0.05}}
    }));
    assert!(result.is_success());
    assert_eq!(result.result_text.as_deref(), Some("Done."));
    assert_eq!(result.session_id, "s1");
    assert_eq!(result.duration_ms, Some(1200));
    assert_eq!(result.duration_api_ms, Some(900));
    assert_eq!(result.num_turns, Some(3));
    assert_eq!(result.total_cost_usd, Some(0.25));
    assert_eq!(result.cost_since_last_result_usd, Some(0.15000000000000002));
    assert_eq!(result.terminal_reason.as_deref(), Some("completed"));
    assert_eq!(result.api_error, None);
    assert_eq!(result.usage.input_tokens, 10);
    assert_eq!(result.usage.output_tokens, 20);
    assert_eq!(result.usage.cache_creation_input_tokens, 30);
    assert_eq!(result.usage.cache_read_input_tokens, 40);
    assert_eq!(
        Value::Object(result.usage.extra.clone()),
        json!({"service_tier":"standard","server_tool_use":{"web_search_requests":1}})
    );
}

#[test]
fn success_needs_the_subtype_and_no_error_flag() {
    let cases = [
        (json!({"subtype":"success","is_error":false}), true),
        (json!({"subtype":"success"}), true),
        (json!({"subtype":"success","is_error":"false"}), true),
        (json!({"subtype":"success","is_error":true}), false),
        (json!({"subtype":"error_max_turns","is_error":false}), false),
        (
            json!({"subtype":"error_during_execution","is_error":true}),
            false,
        ),
        (json!({}), false),
    ];
    for (mut raw, success) in cases {
        raw["type"] = json!("result");
        assert_eq!(fields(raw.clone()).is_success(), success, "{raw}");
    }
}

#[test]
fn result_text_shapes() {
    let cases = [
        (json!("plain"), Some("plain")),
        (json!(""), None),
        (json!(null), None),
        (json!(42), None),
        (
            json!({"content":[{"type":"text","text":"a"},{"type":"image"},{"type":"text","text":"b"}]}),
            Some("a\n\nb"),
        ),
        (json!({"content":[]}), None),
        (json!({"content":"x"}), None),
    ];
    for (value, expected) in cases {
        let result = fields(json!({"type":"result","result":value}));
        assert_eq!(result.result_text.as_deref(), expected, "{value}");
    }
}

#[test]
fn numbers_of_the_wrong_shape_are_none() {
    let result = fields(json!({
        "type":"result","duration_ms":-5,"duration_api_ms":1.5,"num_turns":"3",
        "total_cost_usd":"0.1","usage":{"input_tokens":2.0,"output_tokens":-1,
        "cache_read_input_tokens":1e40}
    }));
    assert_eq!(result.duration_ms, None);
    assert_eq!(result.duration_api_ms, None);
    assert_eq!(result.num_turns, None);
    assert_eq!(result.total_cost_usd, None);
    assert_eq!(result.cost_since_last_result_usd, None);
    assert_eq!(result.usage.input_tokens, 2);
    assert_eq!(result.usage.output_tokens, 0);
    assert_eq!(result.usage.cache_read_input_tokens, 0);
}

#[test]
fn usage_that_is_not_an_object_is_zero() {
    for usage in [json!(null), json!([1]), json!("x")] {
        let result = fields(json!({"type":"result","usage":usage}));
        assert_eq!(result.usage, Usage::default(), "{usage}");
    }
}

#[test]
fn usage_round_trips_through_serde_with_its_extra_keys() {
    let usage = Usage::from_value(Some(&json!({
        "input_tokens":1,"output_tokens":2,"speed":"standard","iterations":[]
    })));
    let text = serde_json::to_string(&usage).expect("serialise");
    let back: Usage = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, usage);
    let sparse: Usage = serde_json::from_str(r#"{"speed":"x"}"#).expect("deserialise");
    assert_eq!(sparse.input_tokens, 0);
    assert_eq!(sparse.extra.get("speed"), Some(&json!("x")));
}

#[test]
fn api_error_of_a_failed_result() {
    let cases = [
        (
            "2.1.330 fields",
            json!({"subtype":"success","is_error":true,"api_error_status":400,
                   "api_error_type":"invalid_request_error","terminal_reason":"prompt_too_long",
                   "result":"Prompt is too long · the request is ~210000 tokens"}),
            Some((Some(400), Some("invalid_request_error"), None)),
        ),
        (
            "older text only",
            json!({"subtype":"success","is_error":true,
                   "result":"API Error: 400 {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"tool_use ids must be unique\"}}"}),
            Some((
                Some(400),
                Some("invalid_request_error"),
                Some("tool_use ids must be unique"),
            )),
        ),
        (
            "error subtype without API error",
            json!({"subtype":"error_max_turns","is_error":true,"errors":["Reached max turns"]}),
            None,
        ),
        (
            "success text that looks like an error is not read",
            json!({"subtype":"success","is_error":false,"result":"API Error: 429 {}"}),
            None,
        ),
    ];
    for (name, mut raw, expected) in cases {
        raw["type"] = json!("result");
        let error = fields(raw).api_error;
        let got = error.as_ref().map(|error| {
            (
                error.status,
                error.error_type.as_deref(),
                error.message.as_deref(),
            )
        });
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn errors_list_keeps_non_empty_strings() {
    let result = fields(json!({"type":"result","subtype":"error_during_execution",
        "errors":["first", 5, "", "  ", "second"]}));
    assert_eq!(result.errors, vec!["first".to_owned(), "second".to_owned()]);
}

#[test]
fn integral_floats_are_counts() {
    let cases = [
        (json!(3), Some(3)),
        (json!(3.0), Some(3)),
        (json!(3.5), None),
        (json!(-3), None),
        (json!(1e30), None),
        (json!("3"), None),
        (json!(null), None),
    ];
    for (value, expected) in cases {
        assert_eq!(super::u64_value(&value), expected, "{value}");
    }
}

use serde_json::{Map, Value, json};

use super::*;

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn text_form_of_older_clis() {
    let body = r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"},"request_id":"req_1"}"#;
    let cases: [(&str, &str, Option<ApiError>); 9] = [
        (
            "embedded body",
            body,
            Some(ApiError {
                status: Some(400),
                error_type: Some("invalid_request_error".into()),
                category: None,
                message: Some("prompt is too long: 210000 tokens > 200000 maximum".into()),
            }),
        ),
        (
            "text after the body",
            r#"API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"slow"}} · retry later"#,
            Some(ApiError {
                status: Some(429),
                error_type: Some("rate_limit_error".into()),
                category: None,
                message: Some("slow".into()),
            }),
        ),
        (
            "plain words after the status",
            "API Error: 500 Internal server error. This is a server-side issue",
            Some(ApiError {
                status: Some(500),
                ..ApiError::default()
            }),
        ),
        (
            "broken body",
            r#"API Error: 400 {"type":"error","#,
            Some(ApiError {
                status: Some(400),
                ..ApiError::default()
            }),
        ),
        (
            "2.1.330 wording has no status digits",
            "API Error: Request rejected (429) · x",
            None,
        ),
        ("four digits", "API Error: 4000 x", None),
        ("two digits", "API Error: 40", None),
        (
            "not at the start",
            "The tool printed API Error: 400 {}",
            None,
        ),
        ("multibyte after prefix", "API Error: ✓✓✓", None),
    ];
    for (name, text, expected) in cases {
        assert_eq!(ApiError::from_text(text), expected, "{name}");
    }
}

#[test]
fn structured_fields_win_over_text() {
    let fields = object(json!({
        "api_error_status": 429,
        "api_error_type": "rate_limit_error",
        "error": "rate_limit",
    }));
    let error = ApiError::from_fields(
        &fields,
        Some(r#"API Error: 400 {"error":{"type":"x","message":"m"}}"#),
    )
    .expect("error");
    assert_eq!(error.status, Some(429));
    assert_eq!(error.error_type.as_deref(), Some("rate_limit_error"));
    assert_eq!(error.category.as_deref(), Some("rate_limit"));
    assert_eq!(error.message.as_deref(), Some("m"));
}

#[test]
fn fields_of_the_wrong_type_are_ignored() {
    let cases = [
        json!({}),
        json!({"api_error_status": null}),
        json!({"api_error_status": "429"}),
        json!({"api_error_status": 70000}),
        json!({"api_error_status": 42}),
        json!({"api_error_status": -1}),
        json!({"api_error_type": 5, "error": {"type": "x"}}),
        json!({"api_error_type": "", "error": ""}),
    ];
    for fields in cases {
        assert_eq!(
            ApiError::from_fields(&object(fields.clone()), None),
            None,
            "{fields}"
        );
    }
}

#[test]
fn classes_of_errors() {
    let by_status = |status| ApiError {
        status: Some(status),
        ..ApiError::default()
    };
    let by_type = |error_type: &str| ApiError {
        error_type: Some(error_type.into()),
        ..ApiError::default()
    };
    // (error, client error, rate limit, account problem)
    let cases = [
        (by_status(400), true, false, false),
        (by_status(401), true, false, true),
        (by_status(402), true, false, true),
        (by_status(403), true, false, true),
        (by_status(404), true, false, false),
        (by_status(413), true, false, false),
        (by_status(429), true, true, false),
        (by_status(500), false, false, false),
        (by_status(529), false, false, false),
        (by_type("rate_limit_error"), false, true, false),
        (by_type("authentication_error"), false, false, true),
        (by_type("billing_error"), false, false, true),
        (
            ApiError {
                category: Some("rate_limit".into()),
                ..ApiError::default()
            },
            false,
            true,
            false,
        ),
        (
            ApiError {
                status: Some(500),
                category: Some("rate_limit".into()),
                ..ApiError::default()
            },
            false,
            false,
            false,
        ),
    ];
    for (error, client, rate_limit, account) in cases {
        assert_eq!(error.is_client_error(), client, "{error:?}");
        assert_eq!(error.is_rate_limit(), rate_limit, "{error:?}");
        assert_eq!(error.is_account_problem(), account, "{error:?}");
    }
}

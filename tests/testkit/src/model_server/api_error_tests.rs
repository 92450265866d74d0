use std::time::Duration;

use serde_json::json;

use super::ApiError;

#[test]
fn prompt_too_long_has_the_real_message() {
    let error = ApiError::prompt_too_long(210_000, 200_000);
    assert_eq!(error.status(), 400);
    assert_eq!(
        error.body("req_1"),
        json!({
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "prompt is too long: 210000 tokens > 200000 maximum",
            },
            "request_id": "req_1",
        })
    );
}

#[test]
fn statuses_follow_the_kind() {
    let cases = [
        (ApiError::invalid_request("x"), 400, "invalid_request_error"),
        (ApiError::authentication(), 401, "authentication_error"),
        (
            ApiError::rate_limited(Duration::from_secs(1)),
            429,
            "rate_limit_error",
        ),
        (ApiError::internal(), 500, "api_error"),
        (ApiError::overloaded(), 529, "overloaded_error"),
    ];
    for (error, status, kind) in cases {
        assert_eq!((error.status(), error.kind()), (status, kind));
    }
}

#[test]
fn retry_after_is_whole_seconds_rounded_up() {
    let header = |d| ApiError::rate_limited(d).headers().to_vec();
    assert_eq!(
        header(Duration::from_secs(2)),
        [("retry-after".to_string(), "2".to_string())]
    );
    assert_eq!(
        header(Duration::from_millis(1500)),
        [("retry-after".to_string(), "2".to_string())]
    );
}

#[test]
fn no_retry_adds_the_header() {
    let error = ApiError::internal().no_retry();
    assert_eq!(
        error.headers(),
        [("x-should-retry".to_string(), "false".to_string())]
    );
}

//! Errors in the shape the real Messages API sends them.
//!
//! The body is always `{"type":"error","error":{"type":KIND,"message":TEXT},
//! "request_id":"req_…"}` and the status code follows the kind (see
//! <https://docs.claude.com/en/api/errors>). Streaming responses can also fail
//! after the `200`: then the same `error` object arrives as an SSE `error`
//! event (see [`super::sse`]).

use std::time::Duration;

use serde_json::{Value, json};

/// One API error: status, `error.type`, `error.message` and extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: u16,
    kind: String,
    message: String,
    headers: Vec<(String, String)>,
}

impl ApiError {
    /// Any status and kind, for cases the named constructors do not cover.
    pub fn new(status: u16, kind: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind: kind.into(),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 `invalid_request_error` with the real message for a context that
    /// does not fit: `prompt is too long: 210000 tokens > 200000 maximum`.
    pub fn prompt_too_long(tokens: u64, maximum: u64) -> ApiError {
        ApiError::invalid_request(format!(
            "prompt is too long: {tokens} tokens > {maximum} maximum"
        ))
    }

    /// 400 `invalid_request_error`.
    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "invalid_request_error", message)
    }

    /// 401 `authentication_error`, as for a wrong `x-api-key`.
    pub fn authentication() -> ApiError {
        ApiError::new(401, "authentication_error", "invalid x-api-key")
    }

    /// 429 `rate_limit_error` with a `retry-after` header in whole seconds
    /// (rounded up; the real API sends integers).
    pub fn rate_limited(retry_after: Duration) -> ApiError {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        ApiError::new(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
        )
        .with_header("retry-after", seconds.to_string())
    }

    /// 500 `api_error`.
    pub fn internal() -> ApiError {
        ApiError::new(500, "api_error", "Internal server error")
    }

    /// 529 `overloaded_error`.
    pub fn overloaded() -> ApiError {
        ApiError::new(529, "overloaded_error", "Overloaded")
    }

    /// Adds a response header (for example `retry-after-ms`).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> ApiError {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `x-should-retry: false`. Claude Code 2.1.330 then gives up at
    /// once instead of retrying a retryable status.
    pub fn no_retry(self) -> ApiError {
        self.with_header("x-should-retry", "false")
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `error.type` field.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The `error.message` field.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Extra response headers.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The `error` object, shared by the HTTP body and the SSE `error` event.
    pub fn error_object(&self) -> Value {
        json!({ "type": self.kind, "message": self.message })
    }

    /// The full HTTP body.
    pub fn body(&self, request_id: &str) -> Value {
        json!({
            "type": "error",
            "error": self.error_object(),
            "request_id": request_id,
        })
    }

    /// A one-line description for failure messages.
    pub fn describe(&self) -> String {
        format!("{} {}: {}", self.status, self.kind, self.message)
    }
}

#[cfg(test)]
#[path = "api_error_tests.rs"]
mod tests;

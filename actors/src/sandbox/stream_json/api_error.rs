//! The structured API failure Claude Code reports when a model request
//! failed for good (after its own retries).
//!
//! Claude Code 2.1.330 puts it in fields, on both the synthetic assistant
//! message and the `result` event:
//!
//! ```json
//! {"type":"result","subtype":"success","is_error":true,
//!  "api_error_status":429,"api_error_type":"rate_limit_error",
//!  "terminal_reason":"api_error",
//!  "result":"API Error: Request rejected (429) · ..."}
//! ```
//!
//! Older CLIs gave only text, `API Error: 400 {"type":"error","error":
//! {"type":"invalid_request_error","message":"..."}}`. For those the
//! status is read from the digits after `API Error: ` and the embedded
//! JSON body is parsed, never searched for words.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::non_empty_string;

/// What the CLI says about a failed API request. At least one field is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// HTTP status (`api_error_status`, or the digits of `API Error: NNN`).
    pub status: Option<u16>,
    /// The API's own error type (`api_error_type`, or `error.type` of the
    /// embedded body): `invalid_request_error`, `rate_limit_error`,
    /// `overloaded_error`, `api_error`, `authentication_error`, ...
    pub error_type: Option<String>,
    /// The CLI's category (`error` on the assistant message): `rate_limit`,
    /// `invalid_request`, `server_error`, `authentication_failed`, ...
    pub category: Option<String>,
    /// `error.message` of an embedded API body, when the CLI gave one.
    pub message: Option<String>,
}

/// The prefix of the CLI's text for a failed request.
const API_ERROR_PREFIX: &str = "API Error: ";

impl ApiError {
    /// Reads the structured fields of a result or assistant event, then
    /// fills what is still missing from `text` when it is the CLI's
    /// `API Error: NNN {json}` message. `None` when nothing is known.
    pub fn from_fields(object: &Map<String, Value>, text: Option<&str>) -> Option<ApiError> {
        let mut error = ApiError {
            status: object.get("api_error_status").and_then(status_value),
            error_type: non_empty_string(object, "api_error_type"),
            category: non_empty_string(object, "error"),
            message: None,
        };
        if let Some(parsed) = text.and_then(ApiError::from_text) {
            error.status = error.status.or(parsed.status);
            error.error_type = error.error_type.or(parsed.error_type);
            error.message = parsed.message;
        }
        if error == ApiError::default() {
            None
        } else {
            Some(error)
        }
    }

    /// Parses the CLI's `API Error: NNN {json}` text. The text must start
    /// with the prefix and a three-digit status; the body, when it is
    /// JSON, gives `error.type` and `error.message` (trailing text after
    /// the JSON value is ignored). `None` for any other text.
    pub fn from_text(text: &str) -> Option<ApiError> {
        let rest = text.trim_start().strip_prefix(API_ERROR_PREFIX)?;
        let digits = rest
            .get(..3)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
        if rest[3..].starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let status = digits.parse::<u16>().ok()?;
        let mut error = ApiError {
            status: Some(status),
            ..ApiError::default()
        };
        let body = rest[3..].trim_start();
        if body.starts_with('{')
            && let Some(Ok(value)) = serde_json::Deserializer::from_str(body)
                .into_iter::<Value>()
                .next()
        {
            let detail = value.get("error").unwrap_or(&value);
            error.error_type = detail.get("type").and_then(as_non_empty);
            error.message = detail.get("message").and_then(as_non_empty);
        }
        Some(error)
    }

    /// 4xx.
    pub fn is_client_error(&self) -> bool {
        self.status
            .is_some_and(|status| (400..500).contains(&status))
    }

    /// HTTP 429, or a rate-limit type or category when no status was given.
    pub fn is_rate_limit(&self) -> bool {
        match self.status {
            Some(status) => status == 429,
            None => {
                self.error_type.as_deref() == Some("rate_limit_error")
                    || self.category.as_deref() == Some("rate_limit")
            }
        }
    }

    /// A failure of the account rather than the request: the key, the
    /// permissions or the bill (401, 402, 403, 407, or the matching types).
    /// A fresh session cannot help with these.
    pub fn is_account_problem(&self) -> bool {
        let by_status = matches!(self.status, Some(401 | 402 | 403 | 407));
        let by_type = matches!(
            self.error_type.as_deref(),
            Some("authentication_error" | "permission_error" | "billing_error")
        );
        let by_category = matches!(
            self.category.as_deref(),
            Some("authentication_failed" | "billing_error")
        );
        by_status || by_type || by_category
    }
}

fn status_value(value: &Value) -> Option<u16> {
    value
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .filter(|status| (100..1000).contains(status))
}

fn as_non_empty(value: &Value) -> Option<String> {
    value
        .as_str()
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

//! Claude Code's `--output-format stream-json --verbose` output as typed
//! events, one line at a time.
//!
//! Pure: no I/O. Any input line is accepted without panicking; a line that
//! is not an event gives `None`. Unknown event types and unknown content
//! blocks are kept, never dropped, and every event carries its full JSON in
//! `raw`, so nothing the CLI adds in a later version is lost.
//!
//! - [`event`]: [`parse_line`], [`ClaudeEvent`], [`EventKind`].
//! - [`blocks`]: [`ContentBlock`] from `message.content[]`.
//! - [`result_fields`]: [`ResultFields`] and [`Usage`] from `result` events.
//! - [`api_error`]: [`ApiError`], the structured API failure the CLI reports.
//! - [`todo`]: [`TodoItem`] from a `TodoWrite` tool call.
//!
//! See `spec/stream-json.md`.

pub mod api_error;
pub mod blocks;
pub mod event;
pub mod result_fields;
pub mod todo;

#[cfg(test)]
mod api_error_tests;
#[cfg(test)]
mod event_tests;
#[cfg(test)]
mod result_fields_tests;
#[cfg(test)]
mod todo_tests;

pub use api_error::ApiError;
pub use blocks::ContentBlock;
pub use event::{ClaudeEvent, EventKind, parse_line, parse_value};
pub use result_fields::{ResultFields, Usage};
pub use todo::{TodoItem, TodoStatus};

use serde_json::{Map, Value};

/// A string field, or "" when it is absent or not a string.
fn string_field(object: &Map<String, Value>, key: &str) -> String {
    object
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A non-empty string field.
fn non_empty_string(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// A non-negative whole number. Integral floats (`12.0`) are accepted;
/// negative, fractional, non-finite and non-numeric values are not.
fn u64_value(value: &Value) -> Option<u64> {
    if let Some(number) = value.as_u64() {
        return Some(number);
    }
    let float = value.as_f64()?;
    let in_range = float.is_finite() && float >= 0.0 && float <= u64::MAX as f64;
    if in_range && float.fract() == 0.0 {
        Some(float as u64)
    } else {
        None
    }
}

fn u64_field(object: &Map<String, Value>, key: &str) -> Option<u64> {
    object.get(key).and_then(u64_value)
}

//! The fields of a `result` event: how the run ended and what it cost.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::api_error::ApiError;
use super::{non_empty_string, string_field, u64_field};

/// Token counts of a result event's `usage`. Keys this code does not model
/// (`server_tool_use`, `service_tier`, `cache_creation`, ...) are kept in
/// `extra`. A missing or non-numeric count is 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

const USAGE_COUNTS: [&str; 4] = [
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
];

impl Usage {
    /// Reads a `usage` object; anything that is not an object gives zeros.
    pub fn from_value(value: Option<&Value>) -> Usage {
        let Some(object) = value.and_then(Value::as_object) else {
            return Usage::default();
        };
        let count = |key: &str| u64_field(object, key).unwrap_or(0);
        Usage {
            input_tokens: count("input_tokens"),
            output_tokens: count("output_tokens"),
            cache_creation_input_tokens: count("cache_creation_input_tokens"),
            cache_read_input_tokens: count("cache_read_input_tokens"),
            extra: object
                .iter()
                .filter(|(key, _)| !USAGE_COUNTS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        }
    }
}

/// What a `result` event says. Numbers the event lacks are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultFields {
    /// `success`, or an error subtype (`error_max_turns`,
    /// `error_during_execution`, `error_max_budget_usd`, ...). A failed API
    /// request still has `success` with `is_error: true`.
    pub subtype: String,
    /// `is_error`; true only for a JSON `true`.
    pub is_error: bool,
    /// `result`: a string, or the text blocks of an object with `content[]`
    /// joined by a blank line. `None` when empty.
    pub result_text: Option<String>,
    pub session_id: String,
    pub duration_ms: Option<u64>,
    pub duration_api_ms: Option<u64>,
    /// Turns of this run (not of the whole session).
    pub num_turns: Option<u64>,
    /// `total_cost_usd`. On a resumed run Claude Code 2.1.330 reports the
    /// cost of the whole session so far, earlier runs included.
    pub total_cost_usd: Option<f64>,
    /// Sum of `model_usage_since_last_result.*.costUSD`: the cost since the
    /// previous result event of the same process, when the CLI reports it.
    pub cost_since_last_result_usd: Option<f64>,
    pub usage: Usage,
    /// Why the agent loop ended: `completed`, `api_error`,
    /// `prompt_too_long`, `max_turns`, ... (`terminal_reason`).
    pub terminal_reason: Option<String>,
    /// The API failure, for a result that is not a success.
    pub api_error: Option<ApiError>,
    /// `errors[]` strings (given with error subtypes).
    pub errors: Vec<String>,
}

impl ResultFields {
    /// Reads the fields of a result event object.
    pub fn from_fields(object: &Map<String, Value>) -> ResultFields {
        let mut fields = ResultFields {
            subtype: string_field(object, "subtype"),
            is_error: object.get("is_error").and_then(Value::as_bool) == Some(true),
            result_text: result_text(object.get("result")),
            session_id: string_field(object, "session_id"),
            duration_ms: u64_field(object, "duration_ms"),
            duration_api_ms: u64_field(object, "duration_api_ms"),
            num_turns: u64_field(object, "num_turns"),
            total_cost_usd: object
                .get("total_cost_usd")
                .and_then(Value::as_f64)
                .filter(|cost| cost.is_finite()),
            cost_since_last_result_usd: cost_since_last_result(object),
            usage: Usage::from_value(object.get("usage")),
            terminal_reason: non_empty_string(object, "terminal_reason"),
            api_error: None,
            errors: object
                .get("errors")
                .and_then(Value::as_array)
                .map(|errors| {
                    errors
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|text| !text.trim().is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        };
        if !fields.is_success() {
            fields.api_error = ApiError::from_fields(object, fields.result_text.as_deref());
        }
        fields
    }

    /// `subtype` is `success` and `is_error` is not set.
    pub fn is_success(&self) -> bool {
        self.subtype == "success" && !self.is_error
    }
}

fn result_text(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(text) => text.clone(),
        Value::Object(object) => {
            let parts: Vec<&str> = object
                .get("content")?
                .as_array()?
                .iter()
                .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|block| block.get("text").and_then(Value::as_str))
                .collect();
            parts.join("\n\n")
        }
        _ => return None,
    };
    if text.is_empty() { None } else { Some(text) }
}

fn cost_since_last_result(object: &Map<String, Value>) -> Option<f64> {
    let models = object.get("model_usage_since_last_result")?.as_object()?;
    let mut total = None;
    for model in models.values() {
        if let Some(cost) = model
            .get("costUSD")
            .and_then(Value::as_f64)
            .filter(|cost| cost.is_finite())
        {
            *total.get_or_insert(0.0) += cost;
        }
    }
    // An empty map (a run that made no request) means "nothing since".
    Some(total.unwrap_or(0.0))
}

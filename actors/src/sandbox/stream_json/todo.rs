//! The agent's todo list, from the input of a `TodoWrite` tool call:
//! `{"todos":[{"content","status","activeForm"}]}`.
//!
//! Each call carries the whole list, so the latest call is the current
//! state. (Claude Code 2.1.330 offers `TodoWrite` only when
//! `CLAUDE_CODE_ENABLE_TASKS=0`; by default it has `TaskCreate` /
//! `TaskUpdate` instead, which this module does not read.)

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::string_field;

/// One entry of the list. Missing or non-string fields are "".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoItem {
    pub content: String,
    pub status: TodoStatus,
    /// `activeForm`: the present-continuous wording shown while in progress.
    pub active_form: String,
}

/// `status` of an entry; values this code does not know are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TodoStatus {
    Pending,
    InProgress,
    Completed,
    Other(String),
}

impl TodoStatus {
    pub fn as_str(&self) -> &str {
        match self {
            TodoStatus::Pending => "pending",
            TodoStatus::InProgress => "in_progress",
            TodoStatus::Completed => "completed",
            TodoStatus::Other(name) => name,
        }
    }
}

impl From<String> for TodoStatus {
    fn from(name: String) -> TodoStatus {
        match name.as_str() {
            "pending" => TodoStatus::Pending,
            "in_progress" => TodoStatus::InProgress,
            "completed" => TodoStatus::Completed,
            _ => TodoStatus::Other(name),
        }
    }
}

impl From<TodoStatus> for String {
    fn from(status: TodoStatus) -> String {
        status.as_str().to_owned()
    }
}

/// Reads `input.todos`. `None` when it is not a list; entries that are not
/// objects are skipped.
pub fn todo_list_from_input(input: &Value) -> Option<Vec<TodoItem>> {
    let todos = input.get("todos")?.as_array()?;
    Some(
        todos
            .iter()
            .filter_map(Value::as_object)
            .map(|todo| TodoItem {
                content: string_field(todo, "content"),
                status: TodoStatus::from(string_field(todo, "status")),
                active_form: string_field(todo, "activeForm"),
            })
            .collect(),
    )
}

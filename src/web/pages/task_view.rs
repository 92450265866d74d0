//! The task and conversation pages: a task record, plus what its
//! `result` event in `events.jsonl` says (reply text, turns, tokens,
//! duration), as display strings.

use airut_actors::conversation::ConversationRecord;
use airut_actors::hub::{TaskRecord, TaskStatus};
use airut_actors::sandbox::events_log::LoggedEvent;
use airut_actors::sandbox::stream_json::{ResultFields, TodoStatus, parse_value};

use super::format::{Clipped, LONG_TEXT, cost, count, duration_ms, ellipsize, iso_utc, utc};
use super::timeline::TodoLine;

/// A timestamp: `iso` for `<time datetime>`, `text` shown without script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub iso: String,
    pub text: String,
}

impl Stamp {
    pub fn new(ms: i64) -> Stamp {
        Stamp {
            iso: iso_utc(ms),
            text: utc(ms),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    pub task_id: String,
    pub conversation_id: String,
    pub repo_id: String,
    pub title: String,
    pub sender: String,
    /// `queued`, `running`, `finished`.
    pub status: &'static str,
    pub outcome: String,
    pub icon: &'static str,
    pub class: &'static str,
    pub error: String,
    pub model: String,
    pub effort: String,
    pub session: String,
    pub queued_at: Stamp,
    pub started_at: Option<Stamp>,
    pub finished_at: Option<Stamp>,
    pub queue_wait: String,
    pub run_time: String,
    pub total_time: String,
    pub cost: String,
    pub turns: String,
    pub tokens: String,
    pub todos: Vec<TodoLine>,
    pub todos_done: usize,
    /// The agent's answer for this task (its `result` event).
    pub reply: Clipped,
}

/// (icon, css class) of an outcome.
pub fn outcome_style(outcome: &str) -> (&'static str, &'static str) {
    match outcome {
        "success" => ("✓", "ok"),
        "" => ("", ""),
        "stopped" | "interrupted" | "timeout" => ("⊘", "warn"),
        _ => ("✗", "bad"),
    }
}

/// The last `result` event of each task in `events`, by task id.
pub fn results_by_task(events: &[LoggedEvent]) -> std::collections::HashMap<String, ResultFields> {
    let mut results = std::collections::HashMap::new();
    for logged in events {
        let is_result = logged.event.get("type").and_then(|t| t.as_str()) == Some("result");
        let parsed = is_result
            .then(|| parse_value(logged.event.clone()))
            .flatten();
        // Only the main agent's result is the task's.
        if let Some(event) = parsed.filter(|e| !e.is_subagent())
            && let Some(fields) = event.result_fields()
        {
            results.insert(logged.task_id.clone(), fields);
        }
    }
    results
}

pub fn task_view(task: &TaskRecord, result: Option<&ResultFields>) -> TaskView {
    let (icon, class) = match task.status {
        TaskStatus::Queued => ("…", ""),
        TaskStatus::Running => ("▶", ""),
        TaskStatus::Finished => outcome_style(task.outcome.as_deref().unwrap_or("")),
    };
    let span = |from: Option<i64>, to: Option<i64>| match (from, to) {
        (Some(a), Some(b)) => duration_ms(b - a),
        _ => String::new(),
    };
    let cost_usd = task
        .cost_usd
        .or_else(|| result.and_then(|r| r.total_cost_usd));
    let todos: Vec<TodoLine> = task
        .todos
        .iter()
        .map(|todo| TodoLine {
            mark: match todo.status {
                TodoStatus::Completed => "✓",
                TodoStatus::InProgress => "▸",
                _ => "○",
            },
            status: todo.status.as_str().to_string(),
            text: if todo.status == TodoStatus::InProgress && !todo.active_form.is_empty() {
                ellipsize(&todo.active_form, 500)
            } else {
                ellipsize(&todo.content, 500)
            },
        })
        .collect();
    TaskView {
        task_id: task.task.task_id.clone(),
        conversation_id: task.task.conversation_id.to_string(),
        repo_id: task.task.repo_id.clone(),
        title: task
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .map(|t| ellipsize(&t, 300))
            .unwrap_or_else(|| "(no subject)".into()),
        sender: task.sender.clone(),
        status: match task.status {
            TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::Finished => "finished",
        },
        outcome: task.outcome.clone().unwrap_or_default(),
        icon,
        class,
        error: task.error.clone().unwrap_or_default(),
        model: task.model.clone(),
        effort: task.effort.clone().unwrap_or_default(),
        session: task
            .session_id
            .clone()
            .or_else(|| result.map(|r| r.session_id.clone()))
            .unwrap_or_default(),
        queued_at: Stamp::new(task.queued_at_ms),
        started_at: task.started_at_ms.map(Stamp::new),
        finished_at: task.finished_at_ms.map(Stamp::new),
        queue_wait: span(Some(task.queued_at_ms), task.started_at_ms),
        run_time: span(task.started_at_ms, task.finished_at_ms),
        total_time: span(Some(task.queued_at_ms), task.finished_at_ms),
        cost: cost_usd.map(cost).unwrap_or_default(),
        turns: result
            .and_then(|r| r.num_turns)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        tokens: result
            .map(|r| {
                format!(
                    "in {} · out {} · cache read {} · cache write {}",
                    count(r.usage.input_tokens),
                    count(r.usage.output_tokens),
                    count(r.usage.cache_read_input_tokens),
                    count(r.usage.cache_creation_input_tokens)
                )
            })
            .unwrap_or_default(),
        todos_done: task
            .todos
            .iter()
            .filter(|t| t.status == TodoStatus::Completed)
            .count(),
        todos,
        reply: Clipped::new(
            result.and_then(|r| r.result_text.as_deref()).unwrap_or(""),
            LONG_TEXT,
        ),
    }
}

/// The head of a conversation page.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationSummary {
    pub title: String,
    pub repo_id: String,
    pub channel: String,
    pub created: Option<Stamp>,
    pub last_activity: Option<Stamp>,
    pub model: String,
    pub session: String,
    pub total_cost: String,
    pub last_reply: Clipped,
}

/// From the stored record (absent for a conversation known only from its
/// task records) and the tasks.
pub fn conversation_summary(
    id: &str,
    record: Option<&ConversationRecord>,
    tasks: &[TaskRecord],
) -> ConversationSummary {
    let first_title = tasks.iter().find_map(|t| t.title.clone());
    let title = record
        .and_then(|r| r.title.clone())
        .or(first_title)
        .filter(|t| !t.trim().is_empty())
        .map(|t| ellipsize(&t, 300))
        .unwrap_or_else(|| format!("Conversation {id}"));
    // `+ 0.0`: an empty float sum is -0.0, shown as "$-0.0000".
    let total: f64 = tasks.iter().filter_map(|t| t.cost_usd).sum::<f64>() + 0.0;
    let last_task = tasks.last();
    ConversationSummary {
        title,
        repo_id: record
            .map(|r| r.repo_id.clone())
            .or_else(|| last_task.map(|t| t.task.repo_id.clone()))
            .unwrap_or_default(),
        channel: record.map(|r| r.channel.clone()).unwrap_or_default(),
        created: record.map(|r| Stamp::new(r.created_at_ms)),
        last_activity: record.map(|r| Stamp::new(r.last_activity_ms)),
        model: record
            .and_then(|r| r.model.clone())
            .or_else(|| last_task.map(|t| t.model.clone()))
            .unwrap_or_default(),
        session: record
            .and_then(|r| r.session_id.clone())
            .unwrap_or_default(),
        total_cost: cost(total),
        last_reply: Clipped::new(
            record.and_then(|r| r.last_reply.as_deref()).unwrap_or(""),
            LONG_TEXT,
        ),
    }
}

#[cfg(test)]
#[path = "task_view_tests.rs"]
mod tests;

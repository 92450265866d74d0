//! `airut conversations`: filtering the API's list and rendering the list
//! and one conversation. Pure; the JSON comes from
//! `GET /api/conversations`, `/api/conversation/{id}` and its events.

use std::fmt::Write as _;

use airut_actors::sandbox::stream_json::{EventKind, parse_value};
use serde::Serialize;
use serde_json::Value;

use super::event_line::{claude_lines, clip};
use crate::cli::ConversationState;

/// `90s`, `30m`, `2h`, `3d`, `1w` in milliseconds.
pub fn parse_age(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not an age like 90s, 30m, 2h, 3d or 1w"))?;
    let unit_ms: u64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(format!("{text:?}: the unit must be s, m, h, d or w")),
    };
    n.checked_mul(unit_ms)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// What a conversation of the list is doing: `running` (its latest task
/// runs), `queued` (active, nothing running yet) or `idle`.
pub fn state_of(summary: &Value) -> &'static str {
    if summary["latest_task"]["status"] == "running" {
        "running"
    } else if summary["active"] == true {
        "queued"
    } else {
        "idle"
    }
}

pub struct ListFilter<'a> {
    pub repo: Option<&'a str>,
    pub state: Option<ConversationState>,
    /// Last activity at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
}

impl ListFilter<'_> {
    pub fn keeps(&self, summary: &Value) -> bool {
        let repo_ok = self.repo.is_none_or(|r| summary["repo_id"] == r);
        let state = state_of(summary);
        let state_ok = match self.state {
            None => true,
            Some(ConversationState::Running) => state == "running",
            Some(ConversationState::Queued) => state == "queued",
            Some(ConversationState::Active) => state != "idle",
            Some(ConversationState::Idle) => state == "idle",
        };
        let since_ok = self
            .since_ms
            .is_none_or(|since| summary["last_activity_ms"].as_i64().unwrap_or(0) >= since);
        repo_ok && state_ok && since_ok
    }
}

/// `45s ago`, `12m ago`, `3h ago`, `2d ago`.
pub fn ago(then_ms: i64, now_ms: i64) -> String {
    let s = (now_ms - then_ms).max(0) / 1000;
    match s {
        0..60 => format!("{s}s ago"),
        60..3600 => format!("{}m ago", s / 60),
        3600..86_400 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

fn text<'a>(value: &'a Value, or: &'a str) -> &'a str {
    value.as_str().unwrap_or(or)
}

/// The list as a table, newest activity first (the API's order).
pub fn render_list(list: &[Value], now_ms: i64) -> String {
    if list.is_empty() {
        return "no conversations\n".to_string();
    }
    let rows: Vec<[String; 6]> = list
        .iter()
        .map(|c| {
            let latest = &c["latest_task"];
            let latest = match latest["task_id"].as_str() {
                Some(id) => format!(
                    "{} {}",
                    clip(id, 20),
                    clip(
                        latest["outcome"]
                            .as_str()
                            .or(latest["status"].as_str())
                            .unwrap_or("?"),
                        20
                    )
                ),
                None => "-".to_string(),
            };
            [
                clip(text(&c["id"], "?"), 8),
                clip(text(&c["repo_id"], "?"), 24),
                state_of(c).to_string(),
                ago(c["last_activity_ms"].as_i64().unwrap_or(0), now_ms),
                latest,
                clip(text(&c["title"], ""), 60),
            ]
        })
        .collect();
    let header = ["ID", "REPO", "STATE", "ACTIVITY", "LATEST TASK", "TITLE"];
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut push_row = |cells: &[&str]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push_row(&header);
    for row in &rows {
        push_row(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// One task of `conversations show`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskSummary {
    pub task_id: String,
    pub status: String,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub cost_usd: Option<f64>,
    /// Input tokens, cache reads and writes included.
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub duration_ms: Option<u64>,
    /// Claude's final answer (the `result` event's text).
    pub reply: Option<String>,
}

/// `conversations show`: the API's conversation, each task's reply, cost
/// and tokens (from its `result` events), totals and the last events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShowData {
    pub conversation: Value,
    pub tasks: Vec<TaskSummary>,
    pub total_cost_usd: f64,
    pub total_input_tokens: u64,
    pub total_output_tokens: u64,
    /// The last `events.jsonl` entries, oldest first.
    pub last_events: Vec<Value>,
}

/// `detail` is `GET /api/conversation/{id}`; `events` every entry of its
/// `events.jsonl`; `last` how many of them to keep.
pub fn summarise(detail: Value, events: &[Value], last: usize) -> ShowData {
    let mut tasks: Vec<TaskSummary> = detail["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| TaskSummary {
            task_id: text(&t["task"]["task_id"], "?").to_string(),
            status: text(&t["status"], "?").to_string(),
            outcome: t["outcome"].as_str().map(str::to_string),
            error: t["error"].as_str().map(str::to_string),
            cost_usd: t["cost_usd"].as_f64(),
            input_tokens: 0,
            output_tokens: 0,
            duration_ms: None,
            reply: None,
        })
        .collect();
    for entry in events {
        let Some(task) = tasks
            .iter_mut()
            .find(|t| entry["task_id"] == t.task_id.as_str())
        else {
            continue;
        };
        let Some(event) = parse_value(entry["event"].clone()) else {
            continue;
        };
        if event.kind != EventKind::Result {
            continue;
        }
        let Some(fields) = event.result_fields() else {
            continue;
        };
        let usage = &fields.usage;
        task.input_tokens +=
            usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
        task.output_tokens += usage.output_tokens;
        if fields.duration_ms.is_some() {
            task.duration_ms = fields.duration_ms;
        }
        if task.cost_usd.is_none() {
            task.cost_usd = fields.total_cost_usd;
        }
        if let Some(reply) = fields.result_text.filter(|r| !r.trim().is_empty()) {
            task.reply = Some(reply);
        }
    }
    ShowData {
        total_cost_usd: tasks.iter().filter_map(|t| t.cost_usd).sum(),
        total_input_tokens: tasks.iter().map(|t| t.input_tokens).sum(),
        total_output_tokens: tasks.iter().map(|t| t.output_tokens).sum(),
        tasks,
        last_events: events[events.len().saturating_sub(last)..].to_vec(),
        conversation: detail,
    }
}

/// Replies are shown whole (they are what the user got), indented and
/// escaped line by line.
fn indented(textual: &str, indent: &str) -> String {
    textual
        .lines()
        .map(|line| format!("{indent}{}\n", clip(line, usize::MAX)))
        .collect()
}

pub fn render_show(data: &ShowData, now_ms: i64, colour: bool) -> String {
    let c = &data.conversation;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "conversation {} — {} via {}{}",
        clip(text(&c["id"], "?"), 8),
        clip(text(&c["repo_id"], "?"), 40),
        clip(text(&c["channel"], "?"), 20),
        if c["active"] == true { " (active)" } else { "" }
    );
    if let Some(title) = c["title"].as_str() {
        let _ = writeln!(out, "title: {}", clip(title, 200));
    }
    let _ = writeln!(
        out,
        "created {}, last activity {}, model {}",
        ago(c["created_at_ms"].as_i64().unwrap_or(0), now_ms),
        ago(c["last_activity_ms"].as_i64().unwrap_or(0), now_ms),
        clip(text(&c["model"], "default"), 60)
    );
    let queued = c["queued_messages"].as_array().map_or(0, Vec::len);
    if queued > 0 {
        let _ = writeln!(out, "{queued} message(s) waiting");
    }
    let _ = writeln!(
        out,
        "total: ${:.4}, {} in / {} out tokens, {} task{}",
        data.total_cost_usd,
        data.total_input_tokens,
        data.total_output_tokens,
        data.tasks.len(),
        if data.tasks.len() == 1 { "" } else { "s" }
    );
    for task in &data.tasks {
        let mut line = format!("\ntask {} {}", clip(&task.task_id, 20), task.status);
        if let Some(outcome) = &task.outcome {
            let _ = write!(line, " ({})", clip(outcome, 40));
        }
        if let Some(cost) = task.cost_usd {
            let _ = write!(line, " · ${cost:.4}");
        }
        let _ = write!(
            line,
            " · {} in / {} out tokens",
            task.input_tokens, task.output_tokens
        );
        if let Some(ms) = task.duration_ms {
            let _ = write!(line, " · {:.1} s", ms as f64 / 1000.0);
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(error) = &task.error {
            let _ = writeln!(out, "  error: {}", clip(error, 400));
        }
        if let Some(reply) = &task.reply {
            out.push_str("  reply:\n");
            out.push_str(&indented(reply, "    "));
        }
    }
    if !data.last_events.is_empty() {
        let _ = writeln!(out, "\nlast {} events:", data.last_events.len());
        for entry in &data.last_events {
            for line in claude_lines(entry, colour) {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "conversations_view_tests.rs"]
mod tests;

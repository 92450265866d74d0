//! The live plan message (reference S20): the agent's todo list as one
//! Slack message that is edited as items progress. The items are the
//! agent's words, so they are escaped like any other text (§5 Slack 20).

use serde_json::{Value, json};

use super::mrkdwn::escape;
use crate::channel::PlanItem;

/// Slack's limit for a section block's text.
pub const MAX_SECTION_CHARS: usize = 3_000;
/// The plain-text fallback (notifications, screen readers) is kept short.
pub const MAX_FALLBACK_CHARS: usize = 200;

/// The plan as `chat.postMessage`/`chat.update` content.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanMessage {
    pub text: String,
    /// A JSON array of `section` blocks with `mrkdwn` text.
    pub blocks: Value,
}

fn marker(status: &str) -> &'static str {
    match status {
        "completed" => "✅",
        "in_progress" => "🔄",
        // pending, and anything the agent invents
        _ => "⚪",
    }
}

/// The message for `items`; `None` for an empty list (nothing to show).
pub fn render_plan(items: &[PlanItem]) -> Option<PlanMessage> {
    if items.is_empty() {
        return None;
    }
    let done = items.iter().filter(|i| i.status == "completed").count();
    let header = format!("*Plan* ({done}/{} done)", items.len());
    let mut lines = vec![header.clone()];
    lines.extend(items.iter().map(|item| {
        let content = item
            .content
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        format!("{}  {}", marker(&item.status), escape(&content))
    }));
    let blocks: Vec<Value> = sections(&lines)
        .into_iter()
        .map(|text| json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}))
        .collect();
    let fallback = lines.join("\n");
    Some(PlanMessage {
        text: truncate(&fallback, MAX_FALLBACK_CHARS),
        blocks: Value::Array(blocks),
    })
}

/// Lines packed into section texts of at most [`MAX_SECTION_CHARS`]; a
/// longer line is cut (with `…`) to fit alone.
fn sections(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_chars = 0;
    for line in lines {
        let line = truncate(line, MAX_SECTION_CHARS);
        let chars = line.chars().count();
        let join = usize::from(!current.is_empty());
        if !current.is_empty() && current_chars + join + chars > MAX_SECTION_CHARS {
            out.push(std::mem::take(&mut current));
            current_chars = 0;
        }
        if !current.is_empty() {
            current.push('\n');
            current_chars += 1;
        }
        current.push_str(&line);
        current_chars += chars;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `text` cut to `max` characters, the last being `…` when cut; never in
/// the middle of an entity.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    if let Some(amp) = cut.rfind('&')
        && !cut[amp..].contains(';')
    {
        cut.truncate(amp);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

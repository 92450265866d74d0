//! Log lines for a terminal: one `events.jsonl` entry (`{task_id, at_ms,
//! event}`, the event as Claude Code printed it) or one network log entry
//! as one line. Pure: `airut logs` and `airut conversations show` print
//! what this returns.
//!
//! Every text comes from the agent or the container, so everything shown
//! is escaped: control characters (ANSI escapes among them) and invisible
//! format characters become visible escapes, line breaks become `↵`, and
//! long texts are clipped, so no event can move the cursor, recolour the
//! terminal or forge a second line.

use std::fmt::Write as _;

use airut_actors::sandbox::stream_json::{ClaudeEvent, ContentBlock, EventKind, parse_value};
use airut_proxy::netlog::{NetLogEntry, Verdict, is_invisible_format, render_text};
use serde_json::Value;

/// Characters of one line's detail before it is clipped.
pub const DETAIL_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Colour {
    Plain,
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
}

impl Colour {
    fn code(self) -> &'static str {
        match self {
            Colour::Plain => "",
            Colour::Bold => "1",
            Colour::Dim => "2",
            Colour::Red => "31",
            Colour::Green => "32",
            Colour::Yellow => "33",
            Colour::Cyan => "36",
        }
    }
}

/// Whether to colour: only on a terminal, never with `NO_COLOR` set (to
/// anything, as no-color.org says) or `TERM=dumb`.
pub fn colour_enabled(is_terminal: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
    is_terminal && no_color.is_none() && term != Some("dumb")
}

fn paint(text: &str, colour: Colour, enabled: bool) -> String {
    if !enabled || colour == Colour::Plain {
        return text.to_string();
    }
    format!("\x1b[{}m{text}\x1b[0m", colour.code())
}

/// `HH:MM:SS` (UTC) of a time in milliseconds since the epoch.
pub fn clock(at_ms: u64) -> String {
    let seconds = (at_ms / 1000) % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    )
}

/// `#3` for task `0a1b2c3d-3`; the id itself if it has no number.
pub fn task_label(task_id: &str) -> String {
    match task_id.rsplit_once('-') {
        Some((_, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => format!("#{n}"),
        _ => escape(task_id),
    }
}

/// Control and invisible format characters as escapes, line breaks as `↵`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('↵'),
            '\r' => {}
            '\t' => out.push(' '),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_invisible_format(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// [`escape`]d, trimmed, at most `max` characters (`…` marks a cut).
pub fn clip(text: &str, max: usize) -> String {
    let escaped = escape(text.trim());
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut out: String = escaped.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The lines of one `events.jsonl` entry: one per content block (Claude
/// Code writes one block per event, so in practice one per event).
pub fn claude_lines(entry: &Value, colour: bool) -> Vec<String> {
    let task = task_label(entry["task_id"].as_str().unwrap_or("?"));
    let at = entry["at_ms"]
        .as_u64()
        .map_or_else(|| "--:--:--".into(), clock);
    let prefix = format!("{} {}", paint(&at, Colour::Dim, colour), task);
    parts(&entry["event"])
        .into_iter()
        .map(|(kind, tint, detail)| {
            let label = paint(&format!("{kind:<8}"), tint, colour);
            format!("{prefix} {label} {detail}").trim_end().to_string()
        })
        .collect()
}

/// (kind word, its colour, detail) for each line of an event.
fn parts(raw: &Value) -> Vec<(&'static str, Colour, String)> {
    let Some(event) = parse_value(raw.clone()) else {
        return vec![("event", Colour::Dim, clip(&raw.to_string(), DETAIL_CHARS))];
    };
    let sub = if event.is_subagent() { "↳ " } else { "" };
    match &event.kind {
        EventKind::System if event.is_init() => {
            let model = event.get("model").and_then(Value::as_str).unwrap_or("?");
            vec![(
                "init",
                Colour::Dim,
                format!(
                    "model {}, session {}",
                    clip(model, 80),
                    clip(&event.session_id, 80)
                ),
            )]
        }
        EventKind::System => vec![("system", Colour::Dim, clip(&event.subtype, DETAIL_CHARS))],
        EventKind::Result => vec![result_part(&event)],
        EventKind::Assistant if event.is_api_error_message() => vec![(
            "error",
            Colour::Red,
            format!(
                "{sub}{}",
                clip(&event.joined_text().unwrap_or_default(), DETAIL_CHARS)
            ),
        )],
        EventKind::Assistant | EventKind::User => {
            let lines: Vec<_> = event
                .blocks
                .iter()
                .filter_map(block_part)
                .map(|(kind, tint, detail)| (kind, tint, format!("{sub}{detail}")))
                .collect();
            if lines.is_empty() {
                vec![(
                    "event",
                    Colour::Dim,
                    clip(event.kind.as_str(), DETAIL_CHARS),
                )]
            } else {
                lines
            }
        }
        EventKind::Unknown(name) => vec![("event", Colour::Dim, clip(name, DETAIL_CHARS))],
    }
}

fn block_part(block: &ContentBlock) -> Option<(&'static str, Colour, String)> {
    match block {
        ContentBlock::Text { text } if text.trim().is_empty() => None,
        ContentBlock::Text { text } => Some(("text", Colour::Bold, clip(text, DETAIL_CHARS))),
        ContentBlock::Thinking { thinking } => {
            Some(("thinking", Colour::Dim, clip(thinking, DETAIL_CHARS)))
        }
        ContentBlock::ToolUse { name, input, .. } => Some((
            "tool",
            Colour::Cyan,
            format!("{} {}", clip(name, 60), tool_summary(name, input)),
        )),
        ContentBlock::ToolResult {
            content, is_error, ..
        } => {
            let text = clip(&result_text(content), DETAIL_CHARS);
            Some(if *is_error {
                ("failed", Colour::Red, text)
            } else {
                ("output", Colour::Dim, text)
            })
        }
        ContentBlock::Other(value) => {
            let kind = value["type"].as_str().unwrap_or("block");
            Some(("block", Colour::Dim, clip(kind, DETAIL_CHARS)))
        }
    }
}

/// The input field that says what a call does, for the tools Claude Code
/// ships; compact JSON for any other tool.
fn tool_summary(name: &str, input: &Value) -> String {
    let field = |key: &str| input.get(key).and_then(Value::as_str);
    let main = match name {
        "Bash" => field("command"),
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => {
            field("file_path").or_else(|| field("notebook_path"))
        }
        "Grep" | "Glob" => field("pattern"),
        "Task" | "Agent" => field("description"),
        "WebFetch" => field("url"),
        "WebSearch" => field("query"),
        "TodoWrite" => {
            let n = input
                .get("todos")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            return format!("{n} item{}", if n == 1 { "" } else { "s" });
        }
        _ => None,
    };
    match main {
        Some(text) => clip(text, DETAIL_CHARS),
        None => clip(&input.to_string(), DETAIL_CHARS),
    }
}

/// A tool result's text: the string, or the text blocks of a list.
fn result_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn result_part(event: &ClaudeEvent) -> (&'static str, Colour, String) {
    let Some(fields) = event.result_fields() else {
        return ("result", Colour::Dim, String::new());
    };
    let mut detail = clip(&fields.subtype, 40);
    if let Some(cost) = fields.total_cost_usd {
        let _ = write!(detail, " · ${cost:.4}");
    }
    if let Some(turns) = fields.num_turns {
        let _ = write!(
            detail,
            " · {turns} turn{}",
            if turns == 1 { "" } else { "s" }
        );
    }
    let usage = &fields.usage;
    let input =
        usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    let _ = write!(detail, " · {input} in / {} out tokens", usage.output_tokens);
    if let Some(ms) = fields.duration_ms {
        let _ = write!(detail, " · {:.1} s", ms as f64 / 1000.0);
    }
    if fields.is_error {
        ("failed", Colour::Red, detail)
    } else {
        ("done", Colour::Green, detail)
    }
}

/// One network log line (a proxy JSON object; a line that is not one is
/// shown escaped). Blocked requests red, upstream errors yellow.
pub fn network_line(line: &Value, colour: bool) -> String {
    match serde_json::from_value::<NetLogEntry>(line.clone()) {
        Ok(entry) => {
            let text = render_text(&entry);
            let tint = match entry.verdict {
                Verdict::Allowed => Colour::Plain,
                Verdict::Blocked => Colour::Red,
                Verdict::Error => Colour::Yellow,
            };
            paint(&text, tint, colour)
        }
        Err(_) => match line {
            Value::String(text) => clip(text, DETAIL_CHARS * 2),
            other => clip(&other.to_string(), DETAIL_CHARS * 2),
        },
    }
}

/// The task a log line belongs to (`task_id` in both logs).
pub fn line_task(line: &Value) -> Option<&str> {
    line.get("task_id").and_then(Value::as_str)
}

#[cfg(test)]
#[path = "event_line_tests.rs"]
mod tests;

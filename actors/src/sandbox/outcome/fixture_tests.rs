//! The real CLI's output: captures of Claude Code 2.1.330 against a
//! scripted model server, in `actors/tests/fixtures/stream-json/`
//! (`<scenario>.jsonl` plus `<scenario>.meta.json` with the arguments, exit
//! code and stderr).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::sandbox::stream_json::{ClaudeEvent, EventKind, TodoStatus, parse_line};

struct Capture {
    scenario: String,
    lines: Vec<String>,
    meta: Value,
}

impl Capture {
    fn events(&self) -> Vec<ClaudeEvent> {
        self.lines
            .iter()
            .filter_map(|line| parse_line(line))
            .collect()
    }

    fn resume_arg(&self) -> Option<&str> {
        let args = self.meta["args"].as_array()?;
        let at = args.iter().position(|arg| arg == "--resume")?;
        args.get(at + 1)?.as_str()
    }

    fn facts(&self, resumed: bool) -> RunFacts {
        RunFacts {
            exit_code: self.meta["exit_code"].as_i64(),
            resumed,
            stderr_tail: self.meta["stderr"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect(),
            wall_duration_ms: self.meta["duration_ms"].as_u64().unwrap_or(0),
            ..RunFacts::default()
        }
    }

    fn build(&self, resumed: bool) -> TaskResult {
        let mut builder = ResultBuilder::new();
        for event in self.events() {
            builder.on_event(&event);
        }
        builder.finish(&self.facts(resumed))
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stream-json")
}

fn captures() -> Vec<Capture> {
    let mut captures = Vec::new();
    let entries = fs::read_dir(fixture_dir()).expect("fixture directory");
    for entry in entries {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(scenario) = name.strip_suffix(".jsonl") else {
            continue;
        };
        let text = fs::read_to_string(&path).expect("capture");
        let meta_path = path.with_file_name(format!("{scenario}.meta.json"));
        let meta = serde_json::from_str(&fs::read_to_string(&meta_path).expect("meta"))
            .expect("meta is JSON");
        captures.push(Capture {
            scenario: scenario.to_owned(),
            lines: text.lines().map(str::to_owned).collect(),
            meta,
        });
    }
    captures.sort_by(|a, b| a.scenario.cmp(&b.scenario));
    captures
}

fn capture(scenario: &str) -> Capture {
    captures()
        .into_iter()
        .find(|capture| capture.scenario == scenario)
        .unwrap_or_else(|| panic!("no capture {scenario}"))
}

#[test]
fn every_line_of_every_capture_parses() {
    let captures = captures();
    assert!(captures.len() >= 7, "captures missing: {}", captures.len());
    for capture in &captures {
        assert_eq!(
            capture.meta["claude_code_version"], "2.1.330",
            "{}",
            capture.scenario
        );
        let mut parsed = 0;
        for (number, line) in capture.lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let event = parse_line(line)
                .unwrap_or_else(|| panic!("{} line {}", capture.scenario, number + 1));
            assert!(event.raw.is_object());
            parsed += 1;
        }
        let events = capture.events();
        assert_eq!(events.len(), parsed);
        assert!(
            events[0].is_init(),
            "{} opens with system/init",
            capture.scenario
        );
        assert_eq!(
            events.last().map(|event| &event.kind),
            Some(&EventKind::Result),
            "{} ends with a result",
            capture.scenario
        );
    }
}

#[test]
fn prefixes_of_real_lines_never_panic() {
    for capture in captures() {
        for line in &capture.lines {
            let step = (line.len() / 150).max(1);
            for (at, _) in line.char_indices().step_by(step) {
                if let Some(event) = parse_line(&line[..at]) {
                    let _ = (event.result_fields(), event.todo_list(), event.api_error());
                }
            }
        }
    }
}

#[test]
fn classification_of_each_scenario() {
    // (scenario, outcome when fresh, outcome when resumed, API status,
    //  reply or the start of the error summary)
    let cases = [
        (
            "text_only",
            Outcome::Success,
            Outcome::Success,
            None,
            "Hello from the scripted model.",
        ),
        (
            "tool_bash_write",
            Outcome::Success,
            Outcome::Success,
            None,
            "Both files are in place.",
        ),
        (
            "todowrite",
            Outcome::Success,
            Outcome::Success,
            None,
            "The plan is recorded.",
        ),
        (
            "task_create",
            Outcome::Success,
            Outcome::Success,
            None,
            "Task created.",
        ),
        (
            "resume_second_run",
            Outcome::Success,
            Outcome::Success,
            None,
            "It was PELICAN.",
        ),
        (
            "rate_limited_then_ok",
            Outcome::Success,
            Outcome::Success,
            None,
            "Recovered after the rate limit.",
        ),
        (
            "stream_error_then_ok",
            Outcome::Success,
            Outcome::Success,
            None,
            "Recovered after a broken stream.",
        ),
        (
            "prompt_too_long",
            Outcome::PromptTooLong,
            Outcome::PromptTooLong,
            Some(400),
            "Prompt is too long ·",
        ),
        (
            "rate_limited_429",
            Outcome::RateLimited,
            Outcome::RateLimited,
            Some(429),
            "API Error: Request rejected (429)",
        ),
        (
            "server_error_500",
            Outcome::AgentError,
            Outcome::AgentError,
            Some(500),
            "API Error: 500 Internal server error.",
        ),
        (
            "overloaded_529",
            Outcome::AgentError,
            Outcome::AgentError,
            Some(529),
            "API Error: 529 Overloaded.",
        ),
    ];
    for (scenario, fresh, resumed, status, text) in cases {
        let capture = capture(scenario);
        for (is_resumed, outcome) in [(false, fresh), (true, resumed)] {
            let result = capture.build(is_resumed);
            assert_eq!(result.outcome, outcome, "{scenario} resumed={is_resumed}");
            assert_eq!(result.api_error_status, status, "{scenario}");
            let init_session = capture.events()[0].session_id.clone();
            assert_eq!(result.session_id, Some(init_session), "{scenario}");
            if outcome.is_success() {
                assert_eq!(result.response_text.as_deref(), Some(text), "{scenario}");
                assert_eq!(result.error_summary, None);
                assert_eq!(capture.meta["exit_code"], 0, "{scenario}");
            } else {
                assert_eq!(result.response_text, None, "{scenario}");
                let summary = result.error_summary.unwrap_or_default();
                assert!(summary.starts_with(text), "{scenario}: {summary}");
                assert_eq!(capture.meta["exit_code"], 1, "{scenario}");
            }
        }
    }
}

#[test]
fn a_resumed_run_keeps_its_session_and_reports_its_own_cost() {
    let capture = capture("resume_second_run");
    let resumed_id = capture.resume_arg().expect("--resume argument").to_owned();
    let result = capture.build(true);
    assert_eq!(result.outcome, Outcome::Success);
    assert_eq!(result.session_id, Some(resumed_id));
    // The CLI's total_cost_usd covers both runs of the session.
    assert_eq!(result.session_cost_usd, Some(0.131697));
    assert_eq!(result.total_cost_usd, Some(0.06594));
    assert_eq!(result.num_turns, 1);
    assert_eq!(result.usage.input_tokens, 21_930);
}

#[test]
fn usage_and_counts_of_a_tool_run() {
    let result = capture("tool_bash_write").build(false);
    assert_eq!(result.num_turns, 4);
    assert!(result.duration_ms > 0);
    assert!(result.usage.input_tokens > 0);
    assert!(result.usage.extra.contains_key("server_tool_use"));
    assert_eq!((result.web_search_count, result.web_fetch_count), (0, 0));
    let cost = result.total_cost_usd.expect("cost");
    assert_eq!(Some(cost), result.session_cost_usd);
}

#[test]
fn the_todo_list_of_the_todowrite_capture() {
    let lists: Vec<_> = capture("todowrite")
        .events()
        .iter()
        .filter_map(ClaudeEvent::todo_list)
        .collect();
    assert_eq!(lists.len(), 1);
    let statuses: Vec<_> = lists[0].iter().map(|item| item.status.clone()).collect();
    assert_eq!(statuses, vec![TodoStatus::InProgress, TodoStatus::Pending]);
    assert_eq!(lists[0][0].content, "Write the report");
    assert_eq!(lists[0][0].active_form, "Write the report");
}

#[test]
fn api_retries_are_system_events_and_errors_are_structured() {
    let capture = capture("rate_limited_429");
    let events = capture.events();
    let retries: Vec<_> = events
        .iter()
        .filter(|event| event.kind == EventKind::System && event.subtype == "api_retry")
        .collect();
    assert_eq!(retries.len(), 2);
    assert!(
        retries
            .iter()
            .all(|event| event.get("error_status") == Some(&Value::from(429)))
    );
    let message = events
        .iter()
        .find(|event| event.is_api_error_message())
        .expect("API error message");
    let error = message.api_error().expect("structured error");
    assert_eq!(error.status, Some(429));
    assert_eq!(error.error_type.as_deref(), Some("rate_limit_error"));
    assert_eq!(error.category.as_deref(), Some("rate_limit"));
    let result = events
        .last()
        .and_then(ClaudeEvent::result_fields)
        .expect("result");
    assert_eq!(result.terminal_reason.as_deref(), Some("api_error"));
    assert_eq!(result.subtype, "success");
    assert!(result.is_error);
}

use airut_actors::sandbox::stream_json::{TodoItem, TodoStatus};
use serde_json::json;

use super::super::overview::tests::record;
use super::*;

fn result_event(task_id: &str, text: &str) -> LoggedEvent {
    LoggedEvent {
        task_id: task_id.into(),
        at_ms: 0,
        event: json!({"type":"result","subtype":"success","is_error":false,"result":text,
            "session_id":"s-1","num_turns":3,"duration_ms":4200,"total_cost_usd":0.25,
            "usage":{"input_tokens":1200,"output_tokens":34,"cache_read_input_tokens":5,"cache_creation_input_tokens":6}}),
    }
}

#[test]
fn a_finished_task_with_its_result() {
    let mut task = record(2, TaskStatus::Finished, Some("success"));
    task.cost_usd = None;
    task.todos = vec![
        TodoItem {
            content: "Plan".into(),
            status: TodoStatus::Completed,
            active_form: "Planning".into(),
        },
        TodoItem {
            content: "Build".into(),
            status: TodoStatus::InProgress,
            active_form: "Building".into(),
        },
    ];
    let results = results_by_task(&[
        result_event("0a1b2c3d-2", "first"),
        result_event("0a1b2c3d-1", "other task"),
        result_event("0a1b2c3d-2", "Done <script>"),
    ]);
    let view = task_view(&task, results.get("0a1b2c3d-2"));
    assert_eq!(view.reply.text, "Done <script>");
    assert_eq!(view.cost, "$0.2500");
    assert_eq!(view.turns, "3");
    assert!(view.tokens.starts_with("in 1,200 · out 34"));
    assert_eq!(view.session, "s-1");
    assert_eq!(view.queue_wait, "500ms");
    assert_eq!(view.run_time, "2s");
    assert_eq!(view.total_time, "2s");
    assert_eq!(
        (view.icon, view.class, view.status),
        ("✓", "ok", "finished")
    );
    assert_eq!(view.todos_done, 1);
    assert_eq!(view.todos[1].text, "Building");
    assert_eq!(view.todos[1].mark, "▸");
}

#[test]
fn a_queued_task_has_no_times_yet() {
    let view = task_view(&record(1, TaskStatus::Queued, None), None);
    assert_eq!(view.status, "queued");
    assert!(view.started_at.is_none());
    assert_eq!(view.run_time, "");
    assert_eq!(view.cost, "$0.5000");
    assert!(view.reply.is_empty());
}

#[test]
fn outcomes_have_styles() {
    assert_eq!(outcome_style("success"), ("✓", "ok"));
    assert_eq!(outcome_style("error"), ("✗", "bad"));
    assert_eq!(outcome_style("interrupted").1, "warn");
}

#[test]
fn conversation_summary_sums_costs_and_falls_back_to_tasks() {
    let tasks = vec![
        record(1, TaskStatus::Finished, Some("success")),
        record(2, TaskStatus::Finished, Some("success")),
    ];
    let summary = conversation_summary("0a1b2c3d", None, &tasks);
    assert_eq!(summary.total_cost, "$1.0000");
    assert_eq!(summary.repo_id, "alpha");
    assert!(summary.title.starts_with("Task 1"));
    let record = ConversationRecord {
        repo_id: "alpha".into(),
        channel: "email".into(),
        last_reply: Some("All done.".into()),
        ..ConversationRecord::default()
    };
    let summary = conversation_summary("0a1b2c3d", Some(&record), &[]);
    assert_eq!(summary.title, "Conversation 0a1b2c3d");
    assert_eq!(summary.last_reply.text, "All done.");
    assert_eq!(summary.channel, "email");
}

#[test]
fn no_costs_sum_to_a_plain_zero() {
    let summary = conversation_summary("0a1b2c3d", None, &[]);
    assert_eq!(summary.total_cost, "$0.0000");
}

use serde_json::json;

use super::*;

const NOW: i64 = 1_795_356_181_000;

fn summary(id: &str, repo: &str, status: Option<&str>, active: bool, age_s: i64) -> Value {
    json!({
        "id": id, "repo_id": repo, "channel": "email", "title": format!("About {id}"),
        "created_at_ms": NOW - age_s * 1000 - 5000, "last_activity_ms": NOW - age_s * 1000,
        "task_count": 1, "active": active,
        "latest_task": status.map(|s| json!({"task_id": format!("{id}-1"), "status": s,
            "outcome": if s == "finished" { Some("success") } else { None }}))
    })
}

#[test]
fn ages_parse_with_units() {
    assert_eq!(parse_age("90s"), Ok(90_000));
    assert_eq!(parse_age("30m"), Ok(1_800_000));
    assert_eq!(parse_age("2h"), Ok(7_200_000));
    assert_eq!(parse_age("3d"), Ok(259_200_000));
    assert_eq!(parse_age("1w"), Ok(604_800_000));
    for bad in ["", "h", "2", "2y", "-1d", "1.5h", "99999999999999999999d"] {
        assert!(parse_age(bad).is_err(), "{bad}");
    }
}

#[test]
fn states_come_from_the_latest_task_and_activity() {
    assert_eq!(
        state_of(&summary("a", "r", Some("running"), true, 1)),
        "running"
    );
    assert_eq!(
        state_of(&summary("a", "r", Some("queued"), true, 1)),
        "queued"
    );
    // a finished task with a message waiting for the next one
    assert_eq!(
        state_of(&summary("a", "r", Some("finished"), true, 1)),
        "queued"
    );
    assert_eq!(
        state_of(&summary("a", "r", Some("finished"), false, 1)),
        "idle"
    );
    assert_eq!(state_of(&summary("a", "r", None, false, 1)), "idle");
}

#[test]
fn filters_combine() {
    let list = [
        summary("00000001", "alpha", Some("running"), true, 60),
        summary("00000002", "beta", Some("finished"), false, 3 * 3600),
        summary("00000003", "alpha", Some("finished"), false, 5 * 86_400),
    ];
    let ids = |filter: ListFilter| -> Vec<&str> {
        list.iter()
            .filter(|c| filter.keeps(c))
            .map(|c| c["id"].as_str().unwrap_or_default())
            .collect()
    };
    let all = ListFilter {
        repo: None,
        state: None,
        since_ms: None,
    };
    assert_eq!(ids(all), ["00000001", "00000002", "00000003"]);
    assert_eq!(
        ids(ListFilter {
            repo: Some("alpha"),
            state: Some(ConversationState::Idle),
            since_ms: None
        }),
        ["00000003"]
    );
    assert_eq!(
        ids(ListFilter {
            repo: None,
            state: Some(ConversationState::Active),
            since_ms: None
        }),
        ["00000001"]
    );
    assert_eq!(
        ids(ListFilter {
            repo: None,
            state: None,
            since_ms: Some(NOW - 4 * 3_600_000)
        }),
        ["00000001", "00000002"]
    );
}

#[test]
fn list_is_a_table() {
    let text = render_list(
        &[
            summary("00000001", "alpha", Some("running"), true, 60),
            summary("00000002", "beta", Some("finished"), false, 3 * 3600),
        ],
        NOW,
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "ID        REPO   STATE    ACTIVITY  LATEST TASK         TITLE",
            "00000001  alpha  running  1m ago    00000001-1 running  About 00000001",
            "00000002  beta   idle     3h ago    00000002-1 success  About 00000002",
        ]
    );
    assert_eq!(render_list(&[], NOW), "no conversations\n");
}

fn detail() -> Value {
    json!({
        "id": "0a1b2c3d", "repo_id": "alpha", "channel": "email", "title": "Fix the bug",
        "created_at_ms": NOW - 7_200_000, "last_activity_ms": NOW - 60_000, "model": "claude-sonnet-4-5",
        "active": false, "queued_messages": [],
        "tasks": [
            {"task": {"task_id": "0a1b2c3d-1"}, "status": "finished", "outcome": "success", "cost_usd": 0.5},
            {"task": {"task_id": "0a1b2c3d-2"}, "status": "finished", "outcome": "stopped", "error": "stopped on request"}
        ]
    })
}

fn events() -> Vec<Value> {
    vec![
        json!({"task_id": "0a1b2c3d-1", "at_ms": 1000, "event": {"type": "assistant", "message": {"content": [{"type": "text", "text": "Working"}]}}}),
        json!({"task_id": "0a1b2c3d-1", "at_ms": 2000, "event": {"type": "result", "subtype": "success",
            "total_cost_usd": 0.49, "duration_ms": 4200, "result": "Fixed it.\nSee the PR.",
            "usage": {"input_tokens": 100, "cache_creation_input_tokens": 10, "output_tokens": 20}}}),
        json!({"task_id": "0a1b2c3d-2", "at_ms": 3000, "event": {"type": "assistant", "message": {"content": [
            {"type": "tool_use", "id": "t", "name": "Bash", "input": {"command": "sleep 100"}}]}}}),
    ]
}

#[test]
fn show_collects_replies_costs_and_tokens_per_task() {
    let data = summarise(detail(), &events(), 2);
    assert_eq!(data.tasks.len(), 2);
    let first = &data.tasks[0];
    assert_eq!(first.reply.as_deref(), Some("Fixed it.\nSee the PR."));
    // the task record's cost wins over the result event's
    assert_eq!(first.cost_usd, Some(0.5));
    assert_eq!((first.input_tokens, first.output_tokens), (110, 20));
    assert_eq!(first.duration_ms, Some(4200));
    let second = &data.tasks[1];
    assert_eq!((second.reply.as_deref(), second.cost_usd), (None, None));
    assert_eq!(data.total_cost_usd, 0.5);
    assert_eq!(
        (data.total_input_tokens, data.total_output_tokens),
        (110, 20)
    );
    assert_eq!(data.last_events.len(), 2);
    assert_eq!(data.last_events[1]["at_ms"], 3000);
}

#[test]
fn show_renders_header_tasks_replies_and_events() {
    let text = render_show(&summarise(detail(), &events(), 10), NOW, false);
    for needle in [
        "conversation 0a1b2c3d — alpha via email\n",
        "title: Fix the bug\n",
        "created 2h ago, last activity 1m ago, model claude-sonnet-4-5\n",
        "total: $0.5000, 110 in / 20 out tokens, 2 tasks\n",
        "task 0a1b2c3d-1 finished (success) · $0.5000 · 110 in / 20 out tokens · 4.2 s\n",
        "  reply:\n    Fixed it.\n    See the PR.\n",
        "task 0a1b2c3d-2 finished (stopped) · 0 in / 0 out tokens\n  error: stopped on request\n",
        "last 3 events:\n",
        "  00:00:03 #2 tool     Bash sleep 100\n",
    ] {
        assert!(text.contains(needle), "{needle:?} in\n{text}");
    }
}

#[test]
fn replies_cannot_drive_the_terminal() {
    let mut events = events();
    events[1]["event"]["result"] = json!("ok\u{1b}[31m red");
    let text = render_show(&summarise(detail(), &events, 0), NOW, false);
    assert!(text.contains("    ok\\x1b[31m red\n"), "{text}");
    assert!(!text.contains('\u{1b}'));
}

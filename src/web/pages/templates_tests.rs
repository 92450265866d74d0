use airut_actors::sandbox::events_log::LoggedEvent;
use serde_json::json;

use super::super::overview::tests::record;
use super::super::{network_view, task_view, timeline};
use super::*;
use airut_actors::hub::TaskStatus;

const HOSTILE: &str = "<script>alert(1)</script> <a href=\"javascript:alert(2)\">x</a> <style>";

fn meta() -> PageMeta {
    PageMeta {
        title: HOSTILE.into(),
        instance: "i-1".into(),
        subscribe: "conversation:0a1b2c3d".into(),
        cursor: 0,
        crumbs: vec![Crumb::link("/repo/alpha", "alpha"), Crumb::here(HOSTILE)],
    }
}

/// Only the page's own script tag, no inline style, nothing unescaped.
fn assert_inert(html: &str) {
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(html.contains("<script src=\"/static/dashboard.js\" defer></script>"));
    assert!(!html.contains("<style"), "{html}");
    assert!(!html.contains("style=\""), "{html}");
    assert!(!html.contains("href=\"javascript:"), "{html}");
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
}

fn logged(event: serde_json::Value) -> LoggedEvent {
    LoggedEvent {
        task_id: "0a1b2c3d-1".into(),
        at_ms: 0,
        event,
    }
}

#[test]
fn the_timeline_escapes_everything_the_agent_wrote() {
    let events = vec![
        logged(json!({"type":"assistant","message":{"content":[
            {"type":"text","text":HOSTILE},
            {"type":"tool_use","id":"b","name":"Bash","input":{"command":HOSTILE}},
            {"type":"tool_use","id":"e","name":"Edit","input":{"file_path":HOSTILE,"old_string":HOSTILE,"new_string":"</pre><script>"}},
            {"type":"tool_use","id":"w","name":"Write","input":{"file_path":"x","content":HOSTILE}},
            {"type":"tool_use","id":"t","name":"TodoWrite","input":{"todos":[{"content":HOSTILE,"status":"pending","activeForm":""}]}},
            {"type":"tool_use","id":"a","name":"Task","input":{"subagent_type":HOSTILE,"description":HOSTILE,"prompt":HOSTILE}},
            {"type":"tool_use","id":"o","name":HOSTILE,"input":{"k":HOSTILE}}]}})),
        logged(
            json!({"type":"user","parent_tool_use_id":"a","message":{"content":[
            {"type":"tool_result","tool_use_id":"b","content":"x".repeat(1 << 20),"is_error":true}]}}),
        ),
        logged(json!({"type":"result","subtype":"success","result":HOSTILE,"total_cost_usd":0.1})),
    ];
    let page = ActionsPage {
        page: meta(),
        id: "0a1b2c3d".into(),
        task_filter: String::new(),
        items: timeline::build(&events),
        skipped: 0,
    };
    let html = page.render().expect("render");
    assert_inert(&html);
    assert!(html.contains(&format!(
        "{} more bytes",
        (1 << 20) - super::super::format::LONG_TEXT
    )));
    assert!(
        html.contains("class=\"item indent-1 agent agent-"),
        "{html}"
    );
    assert!(html.len() < 200_000, "{}", html.len());
}

#[test]
fn the_conversation_and_task_pages_escape_replies() {
    let mut task = record(1, TaskStatus::Finished, Some("success"));
    task.title = Some(HOSTILE.into());
    task.sender = HOSTILE.into();
    let events = vec![logged(
        json!({"type":"result","subtype":"success","result":HOSTILE}),
    )];
    let results = task_view::results_by_task(&events);
    let view = task_view::task_view(&task, results.get("0a1b2c3d-1"));
    let page = ConversationPage {
        page: meta(),
        id: "0a1b2c3d".into(),
        summary: task_view::conversation_summary("0a1b2c3d", None, std::slice::from_ref(&task)),
        tasks: vec![view.clone()],
        stop: StopControl::default(),
    };
    let html = page.render().expect("render");
    assert_inert(&html);
    assert!(!html.contains("<form"), "nothing runs: {html}");
    assert!(
        html.contains("<time datetime=\"1970-01-01T00:00:01Z\">"),
        "{html}"
    );
    let html = TaskPage {
        page: meta(),
        task: view,
        stop: StopControl::default(),
    }
    .render()
    .expect("render");
    assert_inert(&html);
}

#[test]
fn the_stop_form_posts_to_the_page_route() {
    let task = record(1, TaskStatus::Running, None);
    let view = task_view::task_view(&task, None);
    let stop = |pending, back_task: &str| StopControl {
        shown: true,
        conversation_id: "0a1b2c3d".into(),
        pending,
        back_task: back_task.into(),
    };
    let html = ConversationPage {
        page: meta(),
        id: "0a1b2c3d".into(),
        summary: task_view::conversation_summary("0a1b2c3d", None, std::slice::from_ref(&task)),
        tasks: vec![view.clone()],
        stop: stop(0, ""),
    }
    .render()
    .expect("render");
    assert!(
        html.contains(
            "<form method=\"post\" class=\"stop-form\" action=\"/conversation/0a1b2c3d/stop\">"
        ),
        "{html}"
    );
    assert!(!html.contains("drop_pending"), "{html}");
    let html = TaskPage {
        page: meta(),
        task: view,
        stop: stop(2, "0a1b2c3d-1"),
    }
    .render()
    .expect("render");
    assert!(
        html.contains("action=\"/conversation/0a1b2c3d/stop?task=0a1b2c3d-1\""),
        "{html}"
    );
    assert!(
        html.contains(
            "action=\"/conversation/0a1b2c3d/stop?drop_pending=true&amp;task=0a1b2c3d-1\""
        ),
        "{html}"
    );
    assert!(html.contains("drop 2 queued follow-ups"), "{html}");
}

#[test]
fn the_network_page_escapes_lines_and_keeps_the_filter() {
    let text = format!(
        "{}\n{HOSTILE}\n",
        r#"{"time":"2026-11-22T14:03:02.000Z","task_id":"t","kind":"http","verdict":"blocked","method":"GET","url":"https://evil.example/<script>"}"#
    );
    let rows = network_view::rows(&text);
    let page = NetworkPage {
        page: meta(),
        id: "0a1b2c3d".into(),
        only: "blocked".into(),
        host: HOSTILE.into(),
        filtered: true,
        total: rows.len(),
        shown: rows.len(),
        rows,
        skipped: 0,
        cursor: 2,
    };
    let html = page.render().expect("render");
    assert_inert(&html);
    assert!(html.contains("data-net-cursor=\"2\""), "{html}");
    assert!(
        html.contains("<option value=\"blocked\" selected>"),
        "{html}"
    );
    assert!(html.contains("class=\"net blocked\""), "{html}");
}

use serde_json::{Value, json};

use super::*;

fn event_with(blocks: Value) -> ClaudeEvent {
    parse_value(json!({"type":"assistant","message":{"content":blocks}})).expect("event")
}

fn item(content: &str, status: TodoStatus, active_form: &str) -> TodoItem {
    TodoItem {
        content: content.into(),
        status,
        active_form: active_form.into(),
    }
}

#[test]
fn todo_list_from_a_todowrite_call() {
    let event = event_with(
        json!([{"type":"tool_use","id":"t","name":"TodoWrite","input":{"todos":[
            {"content":"Write","status":"in_progress","activeForm":"Writing"},
            {"content":"Send","status":"pending","activeForm":"Sending"},
            {"content":"Plan","status":"completed","activeForm":"Planning"},
            {"content":"Odd","status":"blocked","activeForm":"Odd"},
            {"content":5},
            "not an object",
        ]}}]),
    );
    assert_eq!(
        event.todo_list(),
        Some(vec![
            item("Write", TodoStatus::InProgress, "Writing"),
            item("Send", TodoStatus::Pending, "Sending"),
            item("Plan", TodoStatus::Completed, "Planning"),
            item("Odd", TodoStatus::Other("blocked".into()), "Odd"),
            item("", TodoStatus::Other(String::new()), ""),
        ])
    );
}

#[test]
fn no_todo_list_without_a_usable_todowrite_call() {
    let cases = [
        json!([]),
        json!([{"type":"text","text":"TodoWrite"}]),
        json!([{"type":"tool_use","id":"t","name":"Bash","input":{"todos":[]}}]),
        json!([{"type":"tool_use","id":"t","name":"TodoWrite","input":{}}]),
        json!([{"type":"tool_use","id":"t","name":"TodoWrite","input":{"todos":"x"}}]),
        json!([{"type":"tool_use","id":"t","name":"TodoWrite","input":"x"}]),
    ];
    for blocks in cases {
        assert_eq!(event_with(blocks.clone()).todo_list(), None, "{blocks}");
    }
}

#[test]
fn the_last_todowrite_call_of_an_event_wins() {
    let event = event_with(json!([
        {"type":"tool_use","id":"1","name":"TodoWrite","input":{"todos":[{"content":"old","status":"pending","activeForm":"o"}]}},
        {"type":"tool_use","id":"2","name":"TodoWrite","input":{"todos":[]}},
    ]));
    assert_eq!(event.todo_list(), Some(vec![]));
}

#[test]
fn status_serialises_as_its_wire_name() {
    let cases = [
        (TodoStatus::Pending, "pending"),
        (TodoStatus::InProgress, "in_progress"),
        (TodoStatus::Completed, "completed"),
        (TodoStatus::Other("blocked".into()), "blocked"),
    ];
    for (status, name) in cases {
        assert_eq!(status.as_str(), name);
        assert_eq!(
            serde_json::to_value(&status).expect("serialise"),
            json!(name)
        );
        let back: TodoStatus = serde_json::from_value(json!(name)).expect("deserialise");
        assert_eq!(back, status);
    }
}

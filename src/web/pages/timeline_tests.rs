use serde_json::json;

use super::*;

fn fixture(name: &str, task_id: &str) -> Vec<LoggedEvent> {
    let path = format!(
        "{}/actors/tests/fixtures/stream-json/{name}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .expect("fixture")
        .lines()
        .map(|line| logged(task_id, serde_json::from_str(line).expect("json")))
        .collect()
}

fn logged(task_id: &str, event: Value) -> LoggedEvent {
    LoggedEvent {
        task_id: task_id.into(),
        at_ms: 1,
        event,
    }
}

fn kinds(items: &[TimelineItem]) -> Vec<&ItemKind> {
    items.iter().map(|i| &i.kind).collect()
}

#[test]
fn bash_write_and_edit_have_their_own_renderings() {
    let items = build(&fixture("tool_bash_write", "0a1b2c3d-1"));
    let kinds = kinds(&items);
    assert_eq!(kinds[0], &ItemKind::TaskStart);
    assert!(matches!(kinds[1], ItemKind::Init { model, .. } if model == "claude-sonnet-4-5"));
    assert!(kinds.iter().any(|k| matches!(k,
        ItemKind::Bash { command, .. } if command.text == "echo made-by-bash > from_bash.txt")));
    assert!(kinds.iter().any(|k| matches!(k,
        ItemKind::ToolResult { tool, is_error: false, .. } if tool == "Bash")));
    assert!(kinds.iter().any(|k| matches!(k,
        ItemKind::Write { path, preview } if path.ends_with("from_write.txt") && preview.text == "made by Write\n")));
    let edit = kinds
        .iter()
        .find_map(|k| match k {
            ItemKind::Edit { lines, .. } => Some(lines),
            _ => None,
        })
        .expect("an edit");
    assert!(edit.iter().any(|l| l.sign == '-'));
    assert!(edit.iter().any(|l| l.sign == '+'));
    assert!(
        matches!(kinds.last(), Some(ItemKind::Result { is_error: false, cost, .. }) if cost.starts_with('$'))
    );
    assert!(items.iter().all(|i| i.depth == 0 && i.agent.is_none()));
}

#[test]
fn todowrite_is_a_checklist() {
    let items = build(&fixture("todowrite", "0a1b2c3d-1"));
    let todo = items
        .iter()
        .find_map(|i| match &i.kind {
            ItemKind::Todo { items } => Some(items),
            _ => None,
        })
        .expect("a todo list");
    assert_eq!(todo[0].text, "Write the report");
    assert_eq!(todo[0].mark, "▸");
}

#[test]
fn a_new_task_id_starts_a_group() {
    let mut events = fixture("text_only", "0a1b2c3d-1");
    events.extend(fixture("text_only", "0a1b2c3d-2"));
    let items = build(&events);
    let starts: Vec<&str> = items
        .iter()
        .filter(|i| i.kind == ItemKind::TaskStart)
        .map(|i| i.task_id.as_str())
        .collect();
    assert_eq!(starts, vec!["0a1b2c3d-1", "0a1b2c3d-2"]);
}

#[test]
fn subagent_events_nest_under_their_task_call() {
    let events = vec![
        logged(
            "t-1",
            json!({"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_parent123456",
                "name":"Task","input":{"subagent_type":"Explore","description":"look","prompt":"find it"}}]}}),
        ),
        logged(
            "t-1",
            json!({"type":"assistant","parent_tool_use_id":"toolu_parent123456","message":{"content":[
                {"type":"tool_use","id":"toolu_child","name":"Grep","input":{"pattern":"fn main","path":"src"}}]}}),
        ),
        logged(
            "t-1",
            json!({"type":"user","parent_tool_use_id":"toolu_parent123456","message":{"content":[
                {"type":"tool_result","tool_use_id":"toolu_child","content":"src/main.rs","is_error":false}]}}),
        ),
        logged(
            "t-1",
            json!({"type":"user","message":{"content":[
                {"type":"tool_result","tool_use_id":"toolu_parent123456","content":[{"type":"text","text":"found"}]}]}}),
        ),
    ];
    let items = build(&events);
    assert!(
        matches!(&items[1].kind, ItemKind::Task { subagent_type, .. } if subagent_type == "Explore")
    );
    assert_eq!(items[1].depth, 0);
    assert_eq!(items[2].depth, 1);
    assert!(
        matches!(&items[2].kind, ItemKind::Grep { pattern, scope } if pattern == "fn main" && scope == "path: src")
    );
    let badge = items[2].agent.as_ref().expect("badge");
    assert_eq!(badge.label, "Explore:123456");
    assert!(badge.colour < 6);
    assert!(matches!(&items[3].kind, ItemKind::ToolResult { tool, .. } if tool == "Grep"));
    assert_eq!(items[3].depth, 1);
    assert!(
        matches!(&items[4].kind, ItemKind::ToolResult { tool, output, .. } if tool == "Task" && output.text == "found")
    );
    assert_eq!(items[4].depth, 0);
}

#[test]
fn errors_and_huge_outputs() {
    let huge = "<script>".repeat(200_000);
    let events = vec![logged(
        "t-1",
        json!({"type":"user","message":{"content":[
            {"type":"tool_result","tool_use_id":"x","content":huge,"is_error":true}]}}),
    )];
    let items = build(&events);
    let ItemKind::ToolResult {
        output, is_error, ..
    } = &items[1].kind
    else {
        panic!("{items:?}")
    };
    assert!(is_error);
    assert_eq!(output.text.len(), LONG_TEXT);
    assert_eq!(output.more_bytes, 1_600_000 - LONG_TEXT);
}

#[test]
fn unknown_tools_and_events_are_kept_as_json() {
    let events = vec![
        logged(
            "t-1",
            json!({"type":"assistant","message":{"content":[{"type":"tool_use","id":"a","name":"WebFetch","input":{"url":"javascript:alert(1)"}}]}}),
        ),
        logged("t-1", json!({"type":"rate_limit_event","x":1})),
        logged("t-1", json!("not an object")),
    ];
    let items = build(&events);
    assert!(
        matches!(&items[1].kind, ItemKind::Tool { name, input } if name == "WebFetch" && input.text.contains("javascript:alert(1)"))
    );
    assert!(matches!(&items[2].kind, ItemKind::Other { kind, .. } if kind == "rate_limit_event"));
    assert!(matches!(&items[3].kind, ItemKind::Other { kind, .. } if kind == "unparsed"));
}

#[test]
fn edit_diff_shares_one_budget() {
    let old = "a\n".repeat(LONG_TEXT);
    let (lines, more) = diff_lines(&old, "new line");
    assert!(lines.iter().map(|l| l.text.len()).sum::<usize>() <= LONG_TEXT);
    assert!(more > 0);
    assert_eq!(diff_lines("x", "y").0.len(), 2);
}

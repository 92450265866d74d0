use super::*;
use crate::sandbox::stream_json::TodoStatus;

fn conv(n: u32) -> ConversationId {
    ConversationId::from_u32(n)
}

fn task_ref(conversation: u32, n: u32) -> TaskRef {
    TaskRef {
        repo_id: "repo".to_string(),
        conversation_id: conv(conversation),
        task_id: format!("{}-{n}", conv(conversation).as_str()),
    }
}

fn queued(task: &TaskRef, at_ms: i64) -> GatewayEvent {
    GatewayEvent::TaskQueued {
        task: task.clone(),
        messages: vec![IntakeId(7), IntakeId(8)],
        sender: "alice@example.com".to_string(),
        title: Some("Fix the build".to_string()),
        model: "opus".to_string(),
        effort: Some("high".to_string()),
        at_ms,
    }
}

fn todo(content: &str, status: TodoStatus) -> TodoItem {
    TodoItem {
        content: content.to_string(),
        status,
        active_form: format!("{content}ing"),
    }
}

fn fold(events: &[GatewayEvent]) -> Option<TaskRecord> {
    events.iter().fold(None, apply)
}

#[test]
fn task_queued_creates_a_queued_record() {
    let task = task_ref(1, 1);
    let record = fold(&[queued(&task, 100)]).expect("record");
    assert_eq!(record.task, task);
    assert_eq!(record.messages, vec![IntakeId(7), IntakeId(8)]);
    assert_eq!(record.sender, "alice@example.com");
    assert_eq!(record.title.as_deref(), Some("Fix the build"));
    assert_eq!(record.model, "opus");
    assert_eq!(record.effort.as_deref(), Some("high"));
    assert_eq!(record.status, TaskStatus::Queued);
    assert_eq!(record.queued_at_ms, 100);
    assert_eq!(record.started_at_ms, None);
    assert_eq!(record.claude_events, 0);
    assert!(!record.is_finished());
}

#[test]
fn lifecycle_folds_into_a_finished_record() {
    let task = task_ref(1, 1);
    let record = fold(&[
        queued(&task, 100),
        GatewayEvent::TaskStarted {
            task: task.clone(),
            resumed_session: Some("s-old".to_string()),
            at_ms: 150,
        },
        GatewayEvent::Claude {
            task: task.clone(),
            event: serde_json::json!({"type": "system"}),
        },
        GatewayEvent::Plan {
            task: task.clone(),
            todos: vec![todo("read", TodoStatus::InProgress)],
        },
        GatewayEvent::Claude {
            task: task.clone(),
            event: serde_json::json!({"type": "assistant"}),
        },
        GatewayEvent::Plan {
            task: task.clone(),
            todos: vec![
                todo("read", TodoStatus::Completed),
                todo("write", TodoStatus::Pending),
            ],
        },
        GatewayEvent::TaskFinished {
            task: task.clone(),
            outcome: "success".to_string(),
            error: None,
            session_id: Some("s-new".to_string()),
            cost_usd: Some(0.25),
            replied: true,
            at_ms: 300,
        },
    ])
    .expect("record");
    assert_eq!(record.status, TaskStatus::Finished);
    assert_eq!(record.started_at_ms, Some(150));
    assert_eq!(record.finished_at_ms, Some(300));
    assert_eq!(record.resumed_session.as_deref(), Some("s-old"));
    assert_eq!(record.session_id.as_deref(), Some("s-new"));
    assert_eq!(record.outcome.as_deref(), Some("success"));
    assert_eq!(record.cost_usd, Some(0.25));
    assert!(record.replied);
    assert_eq!(record.claude_events, 2);
    assert_eq!(
        record.todos,
        vec![
            todo("read", TodoStatus::Completed),
            todo("write", TodoStatus::Pending)
        ],
        "Plan replaces the list rather than appending"
    );
}

#[test]
fn finished_with_error_keeps_the_reason() {
    let task = task_ref(1, 1);
    let record = fold(&[
        queued(&task, 100),
        GatewayEvent::TaskFinished {
            task: task.clone(),
            outcome: "error".to_string(),
            error: Some("image build failed".to_string()),
            session_id: None,
            cost_usd: None,
            replied: false,
            at_ms: 120,
        },
    ])
    .expect("record");
    assert_eq!(record.status, TaskStatus::Finished);
    assert_eq!(record.outcome.as_deref(), Some("error"));
    assert_eq!(record.error.as_deref(), Some("image build failed"));
    assert_eq!(record.started_at_ms, None);
}

#[test]
fn events_without_a_queued_record_make_none() {
    let task = task_ref(1, 1);
    let started = GatewayEvent::TaskStarted {
        task,
        resumed_session: None,
        at_ms: 1,
    };
    assert_eq!(apply(None, &started), None);
}

#[test]
fn events_about_another_task_or_no_task_leave_the_record_alone() {
    let task = task_ref(1, 1);
    let other = task_ref(1, 2);
    let record = fold(&[queued(&task, 100)]).expect("record");
    let after = fold(&[
        queued(&task, 100),
        GatewayEvent::Claude {
            task: other.clone(),
            event: serde_json::json!({}),
        },
        GatewayEvent::TaskStarted {
            task: other,
            resumed_session: None,
            at_ms: 5,
        },
        GatewayEvent::Boot {
            phase: super::super::BootPhase::Ready,
        },
    ]);
    assert_eq!(after, Some(record));
}

#[test]
fn mark_interrupted_finishes_only_unfinished_records() {
    let task = task_ref(1, 1);
    let mut running = fold(&[
        queued(&task, 100),
        GatewayEvent::TaskStarted {
            task: task.clone(),
            resumed_session: None,
            at_ms: 110,
        },
    ])
    .expect("record");
    running.mark_interrupted();
    assert_eq!(running.status, TaskStatus::Finished);
    assert_eq!(running.outcome.as_deref(), Some(INTERRUPTED));

    let mut done = running.clone();
    done.outcome = Some("success".to_string());
    done.error = None;
    let before = done.clone();
    done.mark_interrupted();
    assert_eq!(done, before);
}

#[test]
fn status_serializes_snake_case() {
    assert_eq!(
        serde_json::to_value(TaskStatus::Running).expect("json"),
        serde_json::json!("running")
    );
}

fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    (dir, store)
}

fn record(conversation: u32, n: u32, queued_at_ms: i64) -> TaskRecord {
    fold(&[queued(&task_ref(conversation, n), queued_at_ms)]).expect("record")
}

#[test]
fn save_then_load_round_trips() {
    let (_dir, store) = open_store();
    let record = record(1, 1, 100);
    record.save(&store).expect("save");
    assert_eq!(
        TaskRecord::load(&store, &record.task.task_id).expect("load"),
        Some(record)
    );
}

#[test]
fn for_conversation_orders_by_task_number_not_lexically() {
    let (_dir, store) = open_store();
    for n in [10, 2, 1] {
        record(1, n, 100).save(&store).expect("save");
    }
    record(2, 3, 100).save(&store).expect("save");
    let ids: Vec<String> = TaskRecord::for_conversation(&store, &conv(1))
        .into_iter()
        .map(|r| r.task.task_id)
        .collect();
    assert_eq!(ids, vec!["00000001-1", "00000001-2", "00000001-10"]);
}

#[test]
fn recent_returns_newest_by_queue_time_up_to_the_limit() {
    let (_dir, store) = open_store();
    record(1, 1, 300).save(&store).expect("save");
    record(2, 1, 100).save(&store).expect("save");
    record(3, 1, 200).save(&store).expect("save");
    let ids: Vec<String> = TaskRecord::recent(&store, 2)
        .into_iter()
        .map(|r| r.task.task_id)
        .collect();
    assert_eq!(ids, vec!["00000001-1", "00000003-1"]);
}

#[test]
fn recent_skips_damaged_records() {
    let (_dir, store) = open_store();
    record(1, 1, 300).save(&store).expect("save");
    store
        .put_raw(TreeName::Tasks, "00000002-1", b"garbage")
        .expect("plant");
    assert_eq!(TaskRecord::recent(&store, 10).len(), 1);
}

#[test]
fn remove_conversation_deletes_records_and_index_only_of_that_conversation() {
    let (_dir, store) = open_store();
    record(1, 1, 100).save(&store).expect("save");
    record(1, 2, 110).save(&store).expect("save");
    record(2, 1, 120).save(&store).expect("save");
    // A damaged index entry must not keep its record alive.
    record(1, 3, 130).save(&store).expect("save");
    store
        .put_raw(TreeName::TasksByConversation, "00000001/00000001-3", b"bad")
        .expect("plant");

    let removed = TaskRecord::remove_conversation(&store, &conv(1)).expect("remove");
    assert_eq!(removed, 3);
    assert!(TaskRecord::for_conversation(&store, &conv(1)).is_empty());
    assert_eq!(TaskRecord::load(&store, "00000001-3").expect("load"), None);
    assert_eq!(store.scan::<TaskIndexEntry>("00000001/").count(), 0);
    let left: Vec<String> = TaskRecord::recent(&store, 10)
        .into_iter()
        .map(|r| r.task.task_id)
        .collect();
    assert_eq!(left, vec!["00000002-1"]);
    assert_eq!(TaskRecord::for_conversation(&store, &conv(2)).len(), 1);
}

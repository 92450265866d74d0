use super::*;
use crate::hub::TaskRef;
use crate::hub::task_record::{INTERRUPTED, TaskStatus};
use crate::sandbox::stream_json::{TodoItem, TodoStatus};

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

fn message_queued(conversation: u32, intake: u64, at_ms: i64) -> GatewayEvent {
    GatewayEvent::MessageQueued {
        repo_id: "repo".to_string(),
        conversation_id: conv(conversation),
        intake_id: IntakeId(intake),
        sender: "alice@example.com".to_string(),
        title: Some(format!("message {intake}")),
        at_ms,
    }
}

fn task_queued(task: &TaskRef, messages: &[u64], at_ms: i64) -> GatewayEvent {
    GatewayEvent::TaskQueued {
        task: task.clone(),
        messages: messages.iter().copied().map(IntakeId).collect(),
        sender: "alice@example.com".to_string(),
        title: Some("Fix the build".to_string()),
        model: "opus".to_string(),
        effort: None,
        at_ms,
    }
}

fn task_started(task: &TaskRef, at_ms: i64) -> GatewayEvent {
    GatewayEvent::TaskStarted {
        task: task.clone(),
        resumed_session: None,
        at_ms,
    }
}

fn claude(task: &TaskRef) -> GatewayEvent {
    GatewayEvent::Claude {
        task: task.clone(),
        event: serde_json::json!({"type": "assistant"}),
    }
}

fn plan(task: &TaskRef) -> GatewayEvent {
    GatewayEvent::Plan {
        task: task.clone(),
        todos: vec![TodoItem {
            content: "build".to_string(),
            status: TodoStatus::InProgress,
            active_form: "building".to_string(),
        }],
    }
}

fn task_finished(task: &TaskRef, at_ms: i64) -> GatewayEvent {
    GatewayEvent::TaskFinished {
        task: task.clone(),
        outcome: "success".to_string(),
        error: None,
        session_id: Some("session-1".to_string()),
        cost_usd: Some(0.5),
        replied: true,
        at_ms,
    }
}

fn open_store(dir: &std::path::Path) -> Store {
    Store::open(dir).expect("open store")
}

async fn publish(hub: &Addr<Hub>, events: Vec<GatewayEvent>) {
    for event in events {
        hub.send(Publish(event)).await.expect("publish");
    }
}

async fn snapshot(hub: &Addr<Hub>) -> HubSnapshot {
    hub.send(GetSnapshot).await.expect("snapshot")
}

fn stored(store: &Store, task_id: &str) -> TaskRecord {
    TaskRecord::load(store, task_id)
        .expect("load")
        .expect("record is stored")
}

fn task_ids(snapshot: &HubSnapshot) -> Vec<String> {
    snapshot
        .tasks
        .iter()
        .map(|r| r.task.task_id.clone())
        .collect()
}

#[actix::test]
async fn lifecycle_updates_snapshot_and_persists_on_milestones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    let hub = Hub::new(store.clone()).start();
    let task = task_ref(1, 1);

    publish(
        &hub,
        vec![
            GatewayEvent::Boot {
                phase: BootPhase::Ready,
            },
            GatewayEvent::Repo {
                repo_id: "repo".to_string(),
                status: RepoStatus::Live,
            },
            task_queued(&task, &[1], 100),
        ],
    )
    .await;
    let snap = snapshot(&hub).await;
    assert_eq!(snap.boot, BootPhase::Ready);
    assert_eq!(snap.repos.get("repo"), Some(&RepoStatus::Live));
    assert_eq!(snap.tasks.len(), 1);
    assert_eq!(snap.tasks[0].status, TaskStatus::Queued);
    assert_eq!(stored(&store, &task.task_id).status, TaskStatus::Queued);

    publish(
        &hub,
        vec![task_started(&task, 110), claude(&task), claude(&task)],
    )
    .await;
    let snap = snapshot(&hub).await;
    assert_eq!(snap.tasks[0].status, TaskStatus::Running);
    assert_eq!(snap.tasks[0].claude_events, 2);
    let on_disk = stored(&store, &task.task_id);
    assert_eq!(on_disk.status, TaskStatus::Running);
    assert_eq!(
        on_disk.claude_events, 0,
        "Claude events alone are not persisted"
    );

    publish(&hub, vec![plan(&task)]).await;
    let on_disk = stored(&store, &task.task_id);
    assert_eq!(on_disk.todos.len(), 1);
    assert_eq!(
        on_disk.claude_events, 2,
        "the count rides along with the next persisted event"
    );

    publish(&hub, vec![claude(&task), task_finished(&task, 200)]).await;
    let snap = snapshot(&hub).await;
    assert_eq!(snap.tasks[0].status, TaskStatus::Finished);
    let on_disk = stored(&store, &task.task_id);
    assert_eq!(on_disk, snap.tasks[0]);
    assert_eq!(on_disk.claude_events, 3);
    assert_eq!(on_disk.outcome.as_deref(), Some("success"));
    assert_eq!(on_disk.finished_at_ms, Some(200));
}

/// Runs `f` in a system of its own; when it returns, the system and every
/// actor in it (and so their store handles) are gone.
fn in_system<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) {
    let system = actix::System::new();
    system.block_on(f());
    drop(system);
}

#[test]
fn finished_task_is_in_the_snapshot_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let task = task_ref(1, 1);
    in_system(|| async {
        let hub = Hub::new(open_store(dir.path())).start();
        publish(
            &hub,
            vec![
                task_queued(&task, &[1], 100),
                task_started(&task, 110),
                task_finished(&task, 200),
            ],
        )
        .await;
    });
    in_system(|| async {
        let hub = Hub::new(open_store(dir.path())).start();
        let snap = snapshot(&hub).await;
        assert_eq!(task_ids(&snap), vec![task.task_id.clone()]);
        assert_eq!(snap.tasks[0].status, TaskStatus::Finished);
        assert_eq!(snap.tasks[0].outcome.as_deref(), Some("success"));
        assert_eq!(snap.tasks[0].cost_usd, Some(0.5));
    });
}

#[test]
fn unfinished_task_is_closed_as_interrupted_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let task = task_ref(1, 1);
    in_system(|| async {
        let hub = Hub::new(open_store(dir.path())).start();
        publish(
            &hub,
            vec![task_queued(&task, &[1], 100), task_started(&task, 110)],
        )
        .await;
    });
    in_system(|| async {
        let store = open_store(dir.path());
        let hub = Hub::new(store.clone()).start();
        let snap = snapshot(&hub).await;
        assert_eq!(snap.tasks.len(), 1);
        assert_eq!(snap.tasks[0].status, TaskStatus::Finished);
        assert_eq!(snap.tasks[0].outcome.as_deref(), Some(INTERRUPTED));
        assert_eq!(
            stored(&store, &task.task_id).outcome.as_deref(),
            Some(INTERRUPTED)
        );
    });
}

#[actix::test]
async fn subscriber_gets_snapshot_then_only_later_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::new(open_store(dir.path())).start();
    let task = task_ref(1, 1);

    publish(&hub, vec![task_queued(&task, &[1], 100)]).await;
    let (snap, mut events) = hub.send(Subscribe).await.expect("subscribe");
    assert_eq!(task_ids(&snap), vec![task.task_id.clone()]);

    publish(&hub, vec![task_started(&task, 110), claude(&task)]).await;
    let first = events.recv().await.expect("first event");
    assert_eq!(*first, task_started(&task, 110));
    let second = events.recv().await.expect("second event");
    assert_eq!(*second, claude(&task));
    assert!(
        events.try_recv().is_err(),
        "nothing published before subscribing is replayed"
    );
}

#[actix::test]
async fn queued_messages_leave_the_snapshot_when_a_task_takes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::new(open_store(dir.path())).start();

    publish(
        &hub,
        vec![
            message_queued(1, 1, 10),
            message_queued(1, 2, 11),
            message_queued(2, 3, 12),
        ],
    )
    .await;
    let snap = snapshot(&hub).await;
    let intake: Vec<IntakeId> = snap.queued_messages.iter().map(|m| m.intake_id).collect();
    assert_eq!(intake, vec![IntakeId(1), IntakeId(2), IntakeId(3)]);
    assert_eq!(snap.queued_messages[0].title.as_deref(), Some("message 1"));

    publish(&hub, vec![task_queued(&task_ref(1, 1), &[1, 2], 20)]).await;
    let snap = snapshot(&hub).await;
    let intake: Vec<IntakeId> = snap.queued_messages.iter().map(|m| m.intake_id).collect();
    assert_eq!(intake, vec![IntakeId(3)]);
}

#[actix::test]
async fn conversation_removed_deletes_its_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    let hub = Hub::new(store.clone()).start();
    let gone = task_ref(1, 1);
    let kept = task_ref(2, 1);

    publish(
        &hub,
        vec![
            task_queued(&gone, &[1], 100),
            task_finished(&gone, 150),
            task_queued(&kept, &[2], 110),
            message_queued(1, 3, 160),
            GatewayEvent::ConversationRemoved {
                repo_id: "repo".to_string(),
                conversation_id: conv(1),
            },
        ],
    )
    .await;
    let snap = snapshot(&hub).await;
    assert_eq!(task_ids(&snap), vec![kept.task_id.clone()]);
    assert!(snap.queued_messages.is_empty());
    assert_eq!(TaskRecord::load(&store, &gone.task_id).expect("load"), None);
    assert!(TaskRecord::for_conversation(&store, &conv(1)).is_empty());
    assert_eq!(TaskRecord::for_conversation(&store, &conv(2)).len(), 1);
}

#[actix::test]
async fn snapshot_keeps_unfinished_tasks_and_the_newest_finished_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(dir.path());
    let hub = Hub::new(store.clone()).start();

    // The oldest task stays queued while newer ones finish around it.
    let waiting = task_ref(999, 1);
    publish(&hub, vec![task_queued(&waiting, &[0], 0)]).await;
    let total = FINISHED_IN_SNAPSHOT as u32 + 5;
    for n in 1..=total {
        let task = task_ref(n, 1);
        let at = i64::from(n) * 10;
        publish(
            &hub,
            vec![task_queued(&task, &[], at), task_finished(&task, at + 1)],
        )
        .await;
    }

    let snap = snapshot(&hub).await;
    assert_eq!(snap.tasks.len(), FINISHED_IN_SNAPSHOT + 1);
    assert_eq!(snap.tasks[0].task, task_ref(total, 1), "newest first");
    assert_eq!(
        snap.tasks.last().map(|r| r.task.clone()),
        Some(waiting),
        "an unfinished task is kept however old"
    );
    assert!(
        !task_ids(&snap).contains(&task_ref(5, 1).task_id),
        "the oldest finished tasks drop out of the snapshot"
    );
    assert_eq!(
        TaskRecord::recent(&store, usize::MAX).len(),
        total as usize + 1,
        "but stay in the store"
    );
}

#[actix::test]
async fn sink_publishes_to_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::new(open_store(dir.path())).start();
    let sink = sink(hub.clone());
    sink.publish(GatewayEvent::Boot {
        phase: BootPhase::Repos,
    });
    // Mailbox order: the snapshot request is handled after the publish.
    assert_eq!(snapshot(&hub).await.boot, BootPhase::Repos);
}

#[actix::test]
async fn messages_closed_without_a_task_leave_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let hub = Hub::new(store).start();
    let conversation = ConversationId::parse("0a1b2c3d").expect("id");
    for n in [1, 2] {
        hub.send(Publish(GatewayEvent::MessageQueued {
            repo_id: "alpha".into(),
            conversation_id: conversation.clone(),
            intake_id: IntakeId(n),
            sender: "Ann".into(),
            title: None,
            at_ms: 1,
        }))
        .await
        .expect("publish");
    }
    hub.send(Publish(GatewayEvent::MessagesClosed {
        repo_id: "alpha".into(),
        conversation_id: conversation,
        intake_ids: vec![IntakeId(2)],
        reason: "dropped".into(),
    }))
    .await
    .expect("publish");
    let snapshot = hub.send(GetSnapshot).await.expect("snapshot");
    let left: Vec<IntakeId> = snapshot
        .queued_messages
        .iter()
        .map(|m| m.intake_id)
        .collect();
    assert_eq!(left, vec![IntakeId(1)]);
}

#[actix::test]
async fn a_removed_repo_leaves_the_snapshot_with_its_channels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::new(open_store(dir.path())).start();
    let health = |repo: &str| GatewayEvent::ChannelHealth {
        repo_id: repo.to_string(),
        channel: "slack".to_string(),
        state: "connected".to_string(),
        error: None,
    };
    let live = |repo: &str| GatewayEvent::Repo {
        repo_id: repo.to_string(),
        status: RepoStatus::Live,
    };
    publish(
        &hub,
        vec![live("gone"), health("gone"), live("kept"), health("kept")],
    )
    .await;
    publish(
        &hub,
        vec![GatewayEvent::Repo {
            repo_id: "gone".to_string(),
            status: RepoStatus::Stopped,
        }],
    )
    .await;
    let snap = snapshot(&hub).await;
    assert_eq!(snap.repos.keys().collect::<Vec<_>>(), vec!["kept"]);
    assert_eq!(snap.channels.keys().collect::<Vec<_>>(), vec!["kept/slack"]);
}

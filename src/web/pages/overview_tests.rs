use std::collections::BTreeMap;

use airut_actors::hub::{ChannelState, QueuedMessage, RejectedMessage, TaskRef};
use airut_actors::intake::{ConversationId, IntakeId};

use super::*;

pub(crate) fn record(n: u32, status: TaskStatus, outcome: Option<&str>) -> TaskRecord {
    let conversation = ConversationId::parse("0a1b2c3d").expect("id");
    TaskRecord {
        task: TaskRef {
            repo_id: "alpha".into(),
            conversation_id: conversation,
            task_id: format!("0a1b2c3d-{n}"),
        },
        messages: Vec::new(),
        sender: "ann@example.com".into(),
        title: Some(format!("Task {n} {}", "x".repeat(80))),
        model: "claude-sonnet-4-5".into(),
        effort: None,
        status,
        queued_at_ms: 1_000 * i64::from(n),
        started_at_ms: (status != TaskStatus::Queued).then_some(1_000 * i64::from(n) + 500),
        finished_at_ms: (status == TaskStatus::Finished).then_some(1_000 * i64::from(n) + 2_500),
        outcome: outcome.map(str::to_string),
        error: None,
        session_id: None,
        resumed_session: None,
        cost_usd: Some(0.5),
        replied: true,
        todos: Vec::new(),
        claude_events: 0,
    }
}

fn snapshot() -> HubSnapshot {
    let mut repos = BTreeMap::new();
    repos.insert("alpha".to_string(), RepoStatus::Live);
    repos.insert(
        "beta".to_string(),
        RepoStatus::Failed {
            error: "git mirror: <no>".into(),
            retry_at_ms: 0,
        },
    );
    let mut channels = BTreeMap::new();
    channels.insert(
        "alpha/email".to_string(),
        ChannelState {
            state: "degraded".into(),
            error: Some("imap timeout".into()),
        },
    );
    HubSnapshot {
        boot: BootPhase::Ready,
        repos,
        tasks: vec![
            record(4, TaskStatus::Queued, None),
            record(3, TaskStatus::Running, None),
            record(2, TaskStatus::Finished, Some("success")),
            record(1, TaskStatus::Finished, Some("timeout")),
        ],
        queued_messages: vec![QueuedMessage {
            repo_id: "alpha".into(),
            conversation_id: ConversationId::parse("00000001").expect("id"),
            intake_id: IntakeId(1),
            sender: "bob@example.com".into(),
            title: None,
            at_ms: 0,
        }],
        rejections: vec![
            RejectedMessage {
                repo_id: "alpha".into(),
                channel: "email".into(),
                sender: "old@example.com".into(),
                kind: "unauthorized".into(),
                reason: "not listed".into(),
                at_ms: 1,
            },
            RejectedMessage {
                repo_id: "alpha".into(),
                channel: "email".into(),
                sender: "new@example.com".into(),
                kind: "unauthenticated".into(),
                reason: "dmarc".into(),
                at_ms: 2,
            },
        ],
        channels,
    }
}

#[test]
fn columns_follow_task_status() {
    let view = overview(&snapshot(), 10_000);
    assert!(view.boot.ready);
    assert_eq!(view.boot.failed_repos, 1);
    let ids = |cards: &[Card]| cards.iter().map(|c| c.task_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&view.queued), vec!["", "0a1b2c3d-4"]);
    assert_eq!(ids(&view.running), vec!["0a1b2c3d-3"]);
    assert_eq!(ids(&view.done), vec!["0a1b2c3d-2", "0a1b2c3d-1"]);
    assert_eq!(view.queued[0].title, "(no subject)");
    assert_eq!(view.queued[1].timing, "Waiting: 6s");
    assert_eq!(view.running[0].timing, "Running: 6s");
    assert_eq!(view.done[0].timing, "Took: 2s");
    assert_eq!((view.done[0].icon, view.done[0].class), ("✓", "ok"));
    assert_eq!(view.done[1].class, "warn");
    assert_eq!(view.done[0].title.chars().count(), TITLE_CHARS + 1);
    assert_eq!(view.rejections[0].sender, "new@example.com");
}

#[test]
fn repos_carry_status_and_channel_health() {
    let view = overview(&snapshot(), 0);
    assert_eq!(view.repos[0].status, "live");
    assert_eq!(view.repos[0].channels[0].name, "email");
    assert_eq!(view.repos[0].channels[0].state, "degraded");
    assert_eq!(view.repos[1].status, "failed");
    assert_eq!(view.repos[1].error, "git mirror: <no>");
    assert!(repo(&snapshot(), "gamma").is_none());
    assert!(repo(&snapshot(), "beta").expect("beta").channels.is_empty());
}

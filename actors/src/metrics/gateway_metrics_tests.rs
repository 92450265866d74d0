use super::*;
use crate::hub::{RepoStatus, TaskRef};
use crate::intake::ConversationId;

fn task(repo: &str, conversation: u32, n: u32) -> TaskRef {
    let conversation_id = ConversationId::from_u32(conversation);
    TaskRef {
        repo_id: repo.to_string(),
        task_id: format!("{}-{n}", conversation_id.as_str()),
        conversation_id,
    }
}

fn queued(task: &TaskRef) -> GatewayEvent {
    GatewayEvent::TaskQueued {
        task: task.clone(),
        messages: Vec::new(),
        sender: "ann@example.com".into(),
        title: None,
        model: "opus".into(),
        effort: None,
        at_ms: 0,
    }
}

fn started(task: &TaskRef, at_ms: i64) -> GatewayEvent {
    GatewayEvent::TaskStarted {
        task: task.clone(),
        resumed_session: None,
        at_ms,
    }
}

fn claude(task: &TaskRef) -> GatewayEvent {
    GatewayEvent::Claude {
        task: task.clone(),
        event: serde_json::json!({"type": "system"}),
    }
}

fn finished(task: &TaskRef, outcome: &str, at_ms: i64) -> GatewayEvent {
    GatewayEvent::TaskFinished {
        task: task.clone(),
        outcome: outcome.into(),
        error: None,
        session_id: None,
        cost_usd: None,
        replied: true,
        at_ms,
    }
}

fn repo<'a>(m: &'a GatewayMetrics, id: &str) -> &'a RepoCounters {
    m.counters().repos.get(id).expect("repo counters")
}

#[test]
fn a_repo_event_creates_zeroed_counters() {
    let mut m = GatewayMetrics::new(0);
    m.observe(
        &GatewayEvent::Repo {
            repo_id: "alpha".into(),
            status: RepoStatus::Live,
        },
        0,
    );
    let r = repo(&m, "alpha");
    assert_eq!((r.tasks_queued, r.tasks_started), (0, 0));
    assert_eq!(r.task_duration.count(), 0);
}

#[test]
fn a_task_counts_queue_start_outcome_duration_and_first_event() {
    let mut m = GatewayMetrics::new(0);
    let t = task("alpha", 1, 1);
    m.observe(&queued(&t), 0);
    m.observe(&started(&t, 10_000), 10_000);
    m.observe(&claude(&t), 12_500);
    m.observe(&claude(&t), 20_000);
    m.observe(&finished(&t, "success", 70_000), 70_000);
    let r = repo(&m, "alpha");
    assert_eq!((r.tasks_queued, r.tasks_started), (1, 1));
    assert_eq!(r.tasks_finished, [("success".to_string(), 1)].into());
    assert_eq!(r.task_duration.count(), 1);
    assert_eq!(r.task_duration.sum(), 60.0);
    // only the first Claude event counts
    assert_eq!(r.first_event.count(), 1);
    assert_eq!(r.first_event.sum(), 2.5);
}

#[test]
fn a_task_finished_without_a_start_has_an_outcome_but_no_duration() {
    let mut m = GatewayMetrics::new(0);
    let t = task("alpha", 2, 1);
    m.observe(&queued(&t), 0);
    m.observe(&finished(&t, "stopped", 5_000), 5_000);
    let r = repo(&m, "alpha");
    assert_eq!(r.tasks_finished, [("stopped".to_string(), 1)].into());
    assert_eq!(r.task_duration.count(), 0);
    assert_eq!(r.tasks_started, 0);
}

#[test]
fn outcomes_and_repos_are_counted_apart() {
    let mut m = GatewayMetrics::new(0);
    for (i, (repo_id, outcome)) in [
        ("alpha", "success"),
        ("alpha", "error"),
        ("alpha", "success"),
        ("beta", "timeout"),
    ]
    .into_iter()
    .enumerate()
    {
        let t = task(repo_id, 10 + i as u32, 1);
        m.observe(&started(&t, 0), 0);
        m.observe(&finished(&t, outcome, 1_000), 1_000);
    }
    assert_eq!(
        repo(&m, "alpha").tasks_finished,
        [("error".to_string(), 1), ("success".to_string(), 2)].into()
    );
    assert_eq!(
        repo(&m, "beta").tasks_finished,
        [("timeout".to_string(), 1)].into()
    );
    assert_eq!(repo(&m, "alpha").task_duration.count(), 3);
}

#[test]
fn a_clock_step_back_counts_as_zero_seconds() {
    let mut m = GatewayMetrics::new(0);
    let t = task("alpha", 3, 1);
    m.observe(&started(&t, 10_000), 10_000);
    m.observe(&claude(&t), 9_000);
    m.observe(&finished(&t, "success", 8_000), 8_000);
    assert_eq!(repo(&m, "alpha").task_duration.sum(), 0.0);
    assert_eq!(repo(&m, "alpha").first_event.sum(), 0.0);
}

#[test]
fn claude_events_of_unknown_tasks_are_ignored() {
    let mut m = GatewayMetrics::new(0);
    m.observe(&claude(&task("alpha", 4, 1)), 0);
    assert!(m.counters().repos.is_empty());
}

#[test]
fn rejections_are_counted_by_channel_and_kind() {
    let mut m = GatewayMetrics::new(0);
    for kind in ["unauthorized", "unauthorized", "malformed"] {
        m.observe(
            &GatewayEvent::MessageRejected {
                repo_id: "alpha".into(),
                channel: "email".into(),
                sender: "x@example.com".into(),
                kind: kind.into(),
                reason: "no".into(),
                at_ms: 0,
            },
            0,
        );
    }
    let key = |k: &str| ("alpha".to_string(), "email".to_string(), k.to_string());
    assert_eq!(
        m.counters().messages_rejected,
        [(key("malformed"), 1), (key("unauthorized"), 2)].into()
    );
}

#[test]
fn network_decisions_add_up_per_repo() {
    let mut m = GatewayMetrics::new(0);
    let d = NetworkDecisions {
        requests: [(("http", "allowed"), 3), (("http", "blocked"), 1)].into(),
        credentials: [("masked", 2)].into(),
        unreadable: 1,
    };
    m.add_network("alpha", &d);
    m.add_network("alpha", &d);
    let r = repo(&m, "alpha");
    assert_eq!(
        r.proxy_requests,
        [(("http", "allowed"), 6), (("http", "blocked"), 2)].into()
    );
    assert_eq!(r.proxy_credentials, [("masked", 4)].into());
    assert_eq!(r.proxy_unreadable, 2);
}

//! The hub's metrics: gauges from its live state, counters from events,
//! proxy decisions from a finished task's network log.

use std::time::Duration;

use super::*;
use crate::hub::TaskRef;

fn task(conversation: u32, n: u32) -> TaskRef {
    let conversation_id = ConversationId::from_u32(conversation);
    TaskRef {
        repo_id: "repo".to_string(),
        task_id: format!("{}-{n}", conversation_id.as_str()),
        conversation_id,
    }
}

fn queued(task: &TaskRef, messages: &[u64]) -> GatewayEvent {
    GatewayEvent::TaskQueued {
        task: task.clone(),
        messages: messages.iter().copied().map(IntakeId).collect(),
        sender: "ann@example.com".into(),
        title: None,
        model: "opus".into(),
        effort: None,
        at_ms: 0,
    }
}

fn started(task: &TaskRef) -> GatewayEvent {
    GatewayEvent::TaskStarted {
        task: task.clone(),
        resumed_session: None,
        at_ms: now_ms(),
    }
}

fn finished(task: &TaskRef, outcome: &str) -> GatewayEvent {
    GatewayEvent::TaskFinished {
        task: task.clone(),
        outcome: outcome.into(),
        error: None,
        session_id: None,
        cost_usd: None,
        replied: true,
        at_ms: now_ms(),
    }
}

fn log_line(task_id: &str, verdict: &str, masked: u32) -> String {
    format!(
        "{{\"time\":\"2026-11-22T14:03:01.000Z\",\"task_id\":\"{task_id}\",\"kind\":\"http\",\
         \"verdict\":\"{verdict}\",\"method\":\"GET\",\"url\":\"https://h.test/\",\"masked\":{masked}}}\n"
    )
}

async fn publish(hub: &Addr<Hub>, events: Vec<GatewayEvent>) {
    for event in events {
        hub.send(Publish(event)).await.expect("publish");
    }
}

async fn metrics(hub: &Addr<Hub>) -> MetricsSnapshot {
    hub.send(GetMetrics).await.expect("metrics")
}

/// Polls until `want` holds (the network count lands a moment after the
/// task's finish).
async fn wait_metrics(hub: &Addr<Hub>, want: impl Fn(&MetricsSnapshot) -> bool) -> MetricsSnapshot {
    for _ in 0..200 {
        let m = metrics(hub).await;
        if want(&m) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "metrics never reached the wanted state: {:?}",
        metrics(hub).await
    );
}

#[actix::test]
async fn gauges_follow_the_live_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::new(Store::open(dir.path()).expect("store")).start();
    let t = task(1, 1);
    publish(
        &hub,
        vec![
            GatewayEvent::Boot {
                phase: BootPhase::Ready,
            },
            GatewayEvent::Repo {
                repo_id: "repo".into(),
                status: RepoStatus::Live,
            },
            GatewayEvent::ChannelHealth {
                repo_id: "repo".into(),
                channel: "email".into(),
                state: "degraded".into(),
                error: Some("imap down".into()),
            },
            GatewayEvent::MessageQueued {
                repo_id: "repo".into(),
                conversation_id: t.conversation_id.clone(),
                intake_id: IntakeId(1),
                sender: "ann@example.com".into(),
                title: None,
                at_ms: 0,
            },
        ],
    )
    .await;
    let m = metrics(&hub).await;
    assert_eq!(m.live.boot, BootPhase::Ready);
    assert_eq!(m.live.repos.get("repo"), Some(&"live"));
    assert_eq!(
        m.live
            .channels
            .get(&("repo".to_string(), "email".to_string())),
        Some(&"degraded".to_string())
    );
    assert_eq!(m.live.messages_queued.get("repo"), Some(&1));
    assert!(m.live.tasks_queued.is_empty());

    publish(&hub, vec![queued(&t, &[1])]).await;
    let m = metrics(&hub).await;
    assert_eq!(m.live.messages_queued.get("repo"), None);
    assert_eq!(m.live.tasks_queued.get("repo"), Some(&1));

    publish(&hub, vec![started(&t)]).await;
    let m = metrics(&hub).await;
    assert_eq!(m.live.tasks_queued.get("repo"), None);
    assert_eq!(m.live.tasks_running.get("repo"), Some(&1));
    assert_eq!(m.counters.repos["repo"].tasks_started, 1);

    publish(&hub, vec![finished(&t, "timeout")]).await;
    let m = metrics(&hub).await;
    assert_eq!(m.live.tasks_running.get("repo"), None);
    assert_eq!(
        m.counters.repos["repo"].tasks_finished,
        [("timeout".to_string(), 1)].into()
    );
    assert_eq!(m.counters.repos["repo"].task_duration.count(), 1);
}

#[actix::test]
async fn a_finished_tasks_network_log_is_counted_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let hub = Hub::new(Store::open(&dir.path().join("store")).expect("store"))
        .with_network_logs(state.clone())
        .start();
    let (t1, t2) = (task(7, 1), task(7, 2));
    let log_dir = state
        .join("repo")
        .join("conversations")
        .join(t1.conversation_id.as_str());
    std::fs::create_dir_all(&log_dir).expect("dir");
    let log = log_dir.join(crate::task_runner::NETWORK_LOG);
    std::fs::write(
        &log,
        format!(
            "{}{}{}",
            log_line(&t1.task_id, "allowed", 1),
            log_line(&t1.task_id, "allowed", 0),
            log_line(&t1.task_id, "blocked", 0)
        ),
    )
    .expect("log");

    publish(&hub, vec![started(&t1), finished(&t1, "success")]).await;
    let m = wait_metrics(&hub, |m| {
        m.counters
            .repos
            .get("repo")
            .is_some_and(|r| !r.proxy_requests.is_empty())
    })
    .await;
    let r = &m.counters.repos["repo"];
    assert_eq!(
        r.proxy_requests,
        [(("http", "allowed"), 2), (("http", "blocked"), 1)].into()
    );
    assert_eq!(r.proxy_credentials, [("masked", 1)].into());

    // the next task of the conversation appends; only its lines count
    let mut text = std::fs::read_to_string(&log).expect("read");
    text.push_str(&log_line(&t2.task_id, "blocked", 0));
    std::fs::write(&log, text).expect("append");
    publish(&hub, vec![started(&t2), finished(&t2, "success")]).await;
    let m = wait_metrics(&hub, |m| {
        m.counters.repos["repo"]
            .proxy_requests
            .get(&("http", "blocked"))
            == Some(&2)
    })
    .await;
    assert_eq!(
        m.counters.repos["repo"]
            .proxy_requests
            .get(&("http", "allowed")),
        Some(&2)
    );
}

//! `GET /metrics` over a real gateway (test channel, real sandbox and
//! Claude Code against the scripted model server): the values move as
//! tasks run — before, during and after a task, for a failing task, in the
//! intake backlog — and, with the network sandbox on, the proxy's
//! decisions are counted from the task's network log. The endpoint takes
//! the dashboard's token.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::gateway::{Gateway, Shutdown};
use airut_actors::hub::{GatewayEvent, Hub};
use airut_actors::intake::{ConversationId, Recorded};
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ApiError, ModelServer, Script, ToolUse, Turn};
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};
use support::sandboxed_model::SandboxedModelHost;
use support::web_fixture::{Web, start_web};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "scrape-token";

/// Status, content type and body of one GET on a fresh connection.
async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, String, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n{auth}\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    (status, content_type, body.to_string())
}

/// `series` (name with labels, as written) → value.
type Samples = BTreeMap<String, f64>;

async fn scrape(web: &Web) -> Samples {
    let (status, content_type, body) = get(&web.base, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("sample line");
            let value = if value == "+Inf" {
                f64::INFINITY
            } else {
                value.parse().unwrap_or_else(|_| panic!("value in {l}"))
            };
            (series.to_string(), value)
        })
        .collect()
}

fn value(samples: &Samples, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

/// Scrapes until `want` holds; returns that scrape.
async fn wait_scrape(web: &Web, what: &str, want: impl Fn(&Samples) -> bool) -> Samples {
    let started = tokio::time::Instant::now();
    loop {
        let samples = scrape(web).await;
        if want(&samples) {
            return samples;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "metrics never showed {what}: {samples:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn submit(repo: &Addr<RepoActor>, key: &str, body: &str) -> ConversationId {
    match repo
        .send(Submit(message("alpha", key, &format!("t-{key}"), body)))
        .await
        .expect("repo")
        .expect("journaled")
    {
        Recorded::Accepted {
            conversation_id, ..
        } => conversation_id,
        other => panic!("not accepted: {other:?}"),
    }
}

fn outcome_of(events: &[GatewayEvent], task_id: &str) -> Option<String> {
    events.iter().find_map(|e| match e {
        GatewayEvent::TaskFinished { task, outcome, .. } if task.task_id == task_id => {
            Some(outcome.clone())
        }
        _ => None,
    })
}

const STARTED: &str = "airut_tasks_started_total{repo=\"alpha\"}";
const RUNNING: &str = "airut_running_tasks{repo=\"alpha\"}";
const SUCCESS: &str = "airut_tasks_finished_total{repo=\"alpha\",outcome=\"success\"}";
const DURATIONS: &str = "airut_task_duration_seconds_count{repo=\"alpha\"}";
const FIRST_EVENTS: &str = "airut_task_first_event_seconds_count{repo=\"alpha\"}";
const BACKLOG_RUNNING: &str = "airut_intake_backlog{repo=\"alpha\",state=\"running\"}";
const BACKLOG_QUEUED: &str = "airut_intake_backlog{repo=\"alpha\",state=\"queued\"}";

#[actix::test]
async fn metrics_move_as_tasks_run_and_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    // the first task's model turn is slow, so it is seen running; the
    // second task's model refuses every request
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("First done.").delay(Duration::from_secs(5)))
            .turn(Turn::error(ApiError::invalid_request("the model broke")).forever()),
    );
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone())
        .with_network_logs(fx.state_dir())
        .start();
    fx.hub = Some(hub.clone());
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let web = start_web(&fx, &gateway, &hub, Some(TOKEN));
    let repo = live_repo(&gateway, "alpha").await;

    // the dashboard's token is required
    let (status, _, _) = get(&web.base, "/metrics", None).await;
    assert_eq!(status, 401);
    let (status, _, _) = get(&web.base, "/metrics", Some("wrong")).await;
    assert_eq!(status, 401);

    // before any task
    let before = wait_scrape(&web, "the live repo", |s| {
        s.get("airut_repo_state{repo=\"alpha\",state=\"live\"}") == Some(&1.0)
    })
    .await;
    assert_eq!(before.get(STARTED), Some(&0.0), "{before:#?}");
    assert_eq!(before.get(RUNNING), Some(&0.0));
    assert_eq!(before.get(DURATIONS), Some(&0.0));
    assert_eq!(before.get(BACKLOG_RUNNING), Some(&0.0));
    assert_eq!(value(&before, SUCCESS), 0.0);
    assert_eq!(
        value(
            &before,
            &format!(
                "airut_build_info{{version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            )
        ),
        1.0
    );

    // during: one task holds a slot, its message is running in the journal
    let first = submit(&repo, "m1", "Do the first thing.").await;
    let during = wait_scrape(&web, "a running task", |s| value(s, RUNNING) == 1.0).await;
    assert_eq!(value(&during, STARTED), 1.0);
    assert_eq!(value(&during, BACKLOG_RUNNING), 1.0);
    assert_eq!(value(&during, SUCCESS), 0.0);
    assert_eq!(value(&during, DURATIONS), 0.0);

    // after: counted under its outcome, one duration, one first event
    let after = wait_scrape(&web, "the first task finished", |s| {
        value(s, SUCCESS) == 1.0
    })
    .await;
    assert_eq!(
        outcome_of(&fx.events(), &format!("{first}-1")).as_deref(),
        Some("success")
    );
    assert_eq!(value(&after, RUNNING), 0.0);
    assert_eq!(value(&after, DURATIONS), 1.0);
    assert_eq!(value(&after, FIRST_EVENTS), 1.0);
    assert!(value(&after, "airut_task_duration_seconds_sum{repo=\"alpha\"}") >= 5.0);
    assert_eq!(
        value(
            &after,
            "airut_task_duration_seconds_bucket{repo=\"alpha\",le=\"+Inf\"}"
        ),
        1.0
    );
    let settled = wait_scrape(&web, "an empty backlog", |s| {
        value(s, BACKLOG_RUNNING) == 0.0 && value(s, BACKLOG_QUEUED) == 0.0
    })
    .await;
    assert_eq!(value(&settled, SUCCESS), 1.0);

    // a failing task is counted under its own outcome
    let second = submit(&repo, "m2", "Do the second thing.").await;
    let second_task = format!("{second}-1");
    let failed = wait_scrape(&web, "the second task finished", |s| {
        value(s, DURATIONS) == 2.0
    })
    .await;
    let outcome = outcome_of(&fx.events(), &second_task).expect("the second task finished");
    assert_ne!(outcome, "success");
    assert_eq!(
        value(
            &failed,
            &format!("airut_tasks_finished_total{{repo=\"alpha\",outcome=\"{outcome}\"}}")
        ),
        1.0,
        "{failed:#?}"
    );
    assert_eq!(value(&failed, SUCCESS), 1.0);
    assert_eq!(value(&failed, STARTED), 2.0);
    assert_eq!(
        value(&failed, "airut_tasks_queued_total{repo=\"alpha\"}"),
        2.0
    );
    // no network sandbox: no proxy decisions
    assert!(
        !failed
            .keys()
            .any(|k| k.starts_with("airut_proxy_requests_total")),
        "{failed:#?}"
    );

    web.handle.stop(true).await;
    gateway.send(Shutdown).await.expect("shutdown");
}

#[actix::test]
async fn proxy_decisions_are_counted_from_the_network_log() {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut fx = GatewayFixture::new(root);
    let model_host = SandboxedModelHost::prepare(&engine, &fx, root, "Airut metrics test CA").await;
    let ca = &model_host.ca;
    // one request the allowlist refuses (bash's /dev/tcp: the image has no
    // curl), then the answer
    let blocked = "exec 3<>/dev/tcp/blocked.test/80 && \
                   printf 'GET /x HTTP/1.1\\r\\nHost: blocked.test\\r\\nConnection: close\\r\\n\\r\\n' >&3 && \
                   head -c 200 <&3";
    let server = ModelServer::start_tls_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash(blocked)))
            .turn(Turn::text("Checked.").expect_tool_result_contains("403")),
        &ca.leaf_cert_pem,
        &ca.leaf_key_pem,
    );
    let url = model_host.upstream(root);
    let yaml = model_host.config(&config_yaml(&[("alpha", &url)], 1, 30));
    let hub = Hub::new(fx.store.clone())
        .with_network_logs(fx.state_dir())
        .start();
    fx.hub = Some(hub.clone());
    let mut settings = fx.settings(&yaml, &SandboxedModelHost::model_url(), fx.channels.clone());
    model_host.apply(&mut settings, server.port());
    let gateway: Addr<Gateway> = Gateway::new(settings).start();
    let web = start_web(&fx, &gateway, &hub, Some(TOKEN));
    let repo = live_repo(&gateway, "alpha").await;

    let before = wait_scrape(&web, "the live repo", |s| {
        s.get("airut_repo_state{repo=\"alpha\",state=\"live\"}") == Some(&1.0)
    })
    .await;
    assert!(
        !before
            .keys()
            .any(|k| k.starts_with("airut_proxy_requests_total")),
        "{before:#?}"
    );

    let conversation = submit(&repo, "n1", "Try the blocked host.").await;
    let allowed = "airut_proxy_requests_total{repo=\"alpha\",kind=\"http\",verdict=\"allowed\"}";
    let blocked_http =
        "airut_proxy_requests_total{repo=\"alpha\",kind=\"http\",verdict=\"blocked\"}";
    let after = wait_scrape(&web, "the proxy decisions", |s| {
        value(s, SUCCESS) == 1.0 && value(s, blocked_http) >= 1.0
    })
    .await;
    server.assert_ok();
    assert_eq!(
        outcome_of(&fx.events(), &format!("{conversation}-1")).as_deref(),
        Some("success")
    );
    // every request the model server saw went through the proxy, allowed
    assert_eq!(
        value(&after, allowed),
        server.requests().len() as f64,
        "{after:#?}"
    );
    assert_eq!(value(&after, blocked_http), 1.0, "{after:#?}");
    assert!(
        value(
            &after,
            "airut_proxy_requests_total{repo=\"alpha\",kind=\"dns\",verdict=\"allowed\"}"
        ) >= 1.0,
        "{after:#?}"
    );
    web.handle.stop(true).await;
    gateway.send(Shutdown).await.expect("shutdown");
}

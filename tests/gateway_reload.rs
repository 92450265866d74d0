//! Live config reload inside the gateway with the real components (git
//! mirror, task image, real Claude Code against the scripted model server)
//! and in-process test channels: a task-scope change reaches the next
//! task while the running one keeps its values; a repo-scope change waits
//! for the running task, then restarts the repo; a removed repo finishes
//! its task, then stops (spec/config-reload.md).

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use actix::Addr;
use airut_actors::config::{self, EnvSource};
use airut_actors::gateway::{
    ConfigSource, Gateway, GetReloadStatus, GetRepo, Reload, ReloadOutcome, ReloadStatus,
};
use airut_actors::intake::Recorded;
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, Turn};
use support::gateway_fixture::{GatewayFixture, MODEL, config_yaml, live_repo, message, upstream};

const NEW_MODEL: &str = "claude-haiku-4-5";

async fn submit(repo: &Addr<RepoActor>, key: &str, thread: &str) {
    let recorded = repo
        .send(Submit(message("alpha", key, thread, "Hello.")))
        .await
        .expect("repo")
        .expect("journaled");
    assert!(
        matches!(recorded, Recorded::Accepted { .. }),
        "{recorded:?}"
    );
}

async fn reload(gateway: &Addr<Gateway>, yaml: &str) -> ReloadOutcome {
    let loaded =
        config::load_str(yaml, &EnvSource::empty()).unwrap_or_else(|e| panic!("config: {e}"));
    gateway
        .send(Reload(ConfigSource::Loaded {
            config: Box::new(loaded.config),
            sha256: loaded.source_sha256,
        }))
        .await
        .expect("gateway")
}

async fn status(gateway: &Addr<Gateway>) -> ReloadStatus {
    gateway.send(GetReloadStatus).await.expect("gateway")
}

async fn wait_model_requests(server: &ModelServer, n: usize) {
    let waited = tokio::time::Instant::now();
    while server.main_requests().len() < n {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "model requests: {}",
            server.main_requests().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The model each main request asked for, in order.
fn models(server: &ModelServer) -> Vec<String> {
    server
        .main_requests()
        .iter()
        .filter_map(|r| r.body.as_ref()?.get("model")?.as_str().map(String::from))
        .collect()
}

#[actix::test]
async fn a_task_scope_change_reaches_the_next_task_and_spares_the_running_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("First.").delay(Duration::from_secs(5)))
            .turn(Turn::text("Second.")),
    );
    let fx = GatewayFixture::new(root);
    let yaml = config_yaml(&[("alpha", &url)], 2, 5);
    let gateway = fx.start(&yaml, &server.container_base_url());
    let repo = live_repo(&gateway, "alpha").await;
    submit(&repo, "m1", "t1").await;
    wait_model_requests(&server, 1).await;

    let edited = yaml.replace(&format!("model: {MODEL}"), &format!("model: {NEW_MODEL}"));
    assert_ne!(edited, yaml);
    let outcome = reload(&gateway, &edited).await;
    assert!(
        matches!(&outcome, ReloadOutcome::Applied { generation: 1, changes } if changes.contains("alpha: model (Task scope)")),
        "{outcome:?}"
    );
    let now = status(&gateway).await;
    assert!(now.reload_pending.is_empty(), "{now:?}");
    assert_eq!(now.repos["alpha"].model, NEW_MODEL);
    let same = gateway
        .send(GetRepo("alpha".into()))
        .await
        .expect("gateway");
    assert!(
        same == Some(repo.clone()),
        "task scope must not restart the repo"
    );

    let channel = fx.channels.channel("alpha");
    channel.wait_for_answers(1, Duration::from_secs(120)).await;
    submit(&repo, "m2", "t2").await;
    channel.wait_for_answers(2, Duration::from_secs(120)).await;
    let asked = models(&server);
    assert_eq!(asked.first().map(String::as_str), Some(MODEL), "{asked:?}");
    assert_eq!(
        asked.last().map(String::as_str),
        Some(NEW_MODEL),
        "{asked:?}"
    );
}

#[actix::test]
async fn a_repo_scope_change_waits_for_the_running_task_then_restarts_the_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("First.").delay(Duration::from_secs(5)))
            .turn(Turn::text("Second.")),
    );
    let fx = GatewayFixture::new(root);
    let yaml = config_yaml(&[("alpha", &url)], 2, 5);
    let gateway = fx.start(&yaml, &server.container_base_url());
    let repo = live_repo(&gateway, "alpha").await;
    submit(&repo, "m1", "t1").await;
    wait_model_requests(&server, 1).await;

    let edited = yaml
        .replace("imap.example.com", "imap2.example.com")
        .replace(&format!("model: {MODEL}"), &format!("model: {NEW_MODEL}"));
    let outcome = reload(&gateway, &edited).await;
    assert!(
        matches!(&outcome, ReloadOutcome::Applied { changes, .. } if changes.contains("alpha: model, email (Repo scope)")),
        "{outcome:?}"
    );
    let busy = status(&gateway).await;
    assert_eq!(
        busy.reload_pending,
        BTreeMap::from([("alpha".to_string(), "restart".to_string())]),
        "{busy:?}"
    );
    assert_eq!(
        busy.repos["alpha"].model, MODEL,
        "applied only at the restart"
    );

    let channel = fx.channels.channel("alpha");
    channel.wait_for_answers(1, Duration::from_secs(120)).await;
    let waited = tokio::time::Instant::now();
    loop {
        let now = status(&gateway).await;
        if now.reload_pending.is_empty() && now.repos["alpha"].model == NEW_MODEL {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(60), "{now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let restarted = live_repo(&gateway, "alpha").await;
    assert!(restarted != repo, "the repo actor was not restarted");
    assert!(!repo.connected(), "the old repo actor still runs");

    submit(&restarted, "m2", "t2").await;
    channel.wait_for_answers(2, Duration::from_secs(120)).await;
    let asked = models(&server);
    assert_eq!(
        asked.last().map(String::as_str),
        Some(NEW_MODEL),
        "{asked:?}"
    );
}

#[actix::test]
async fn a_removed_repo_finishes_its_task_then_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Last words.").delay(Duration::from_secs(5))),
    );
    let fx = GatewayFixture::new(root);
    let yaml = config_yaml(&[("alpha", &url)], 2, 5);
    let gateway = fx.start(&yaml, &server.container_base_url());
    let repo = live_repo(&gateway, "alpha").await;
    submit(&repo, "m1", "t1").await;
    wait_model_requests(&server, 1).await;

    let outcome = reload(&gateway, &config_yaml(&[], 2, 5)).await;
    assert!(
        matches!(&outcome, ReloadOutcome::Applied { changes, .. } if changes.contains("alpha: removed")),
        "{outcome:?}"
    );
    let busy = status(&gateway).await;
    assert_eq!(
        busy.reload_pending,
        BTreeMap::from([("alpha".to_string(), "remove".to_string())]),
        "{busy:?}"
    );
    assert!(busy.repos.contains_key("alpha"), "kept while its task runs");

    let channel = fx.channels.channel("alpha");
    let calls = channel.wait_for_answers(1, Duration::from_secs(120)).await;
    assert!(
        calls.iter().any(|c| matches!(c, airut_actors::channel::ChannelCall::Reply { text, .. } if text.starts_with("Last words."))),
        "{calls:#?}"
    );
    let waited = tokio::time::Instant::now();
    loop {
        let now = status(&gateway).await;
        if now.reload_pending.is_empty() && now.repos.is_empty() {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(60), "{now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gone = gateway
        .send(GetRepo("alpha".into()))
        .await
        .expect("gateway");
    assert!(gone.is_none());
    let waited = tokio::time::Instant::now();
    while repo.connected() {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the removed repo's actor still runs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! The repo actor with the real components (local git upstream and mirror,
//! the task image, real Claude Code against the scripted model server;
//! network sandbox off): boot recovery of a journal left by a dead process,
//! and the global limit on running tasks.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::channel::{ChannelCall, TestChannel};
use airut_actors::config::{ChannelKind, Secret};
use airut_actors::git::{GitMirror, MirrorPolicy};
use airut_actors::hub::EventSink;
use airut_actors::intake::{
    ConversationId, InboundMessage, IntakeId, IntakeJournal, MessageState, Recorded, Sender,
};
use airut_actors::repo::{
    GetRepoState, INTERRUPTED_NOTICE, RepoActor, RepoSettings, RepoState, Submit,
};
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::Names;
use airut_actors::store::Store;
use airut_actors::task_runner::{TaskEnvironment, TaskRepo};
use airut_testkit::model_server::{ModelServer, Script, Turn};
use tokio::sync::Semaphore;

const MODEL: &str = "claude-sonnet-4-5";
const DOCKERFILE: &str = "FROM debian:bookworm-slim\nWORKDIR /workspace\n";
const REPO: &str = "test-repo";

fn upstream(root: &Path) -> String {
    support::git_repo::bare_upstream(
        root,
        &[
            (".airut/container/Dockerfile", DOCKERFILE),
            ("README.md", "original\n"),
        ],
    )
}

/// Message `n` in its own thread (so its own conversation).
fn message(n: u32, body: &str) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Email,
        repo_id: REPO.into(),
        dedupe_key: format!("msg-{n}"),
        thread_key: format!("thread-{n}"),
        conversation_hint: None,
        sender: Sender {
            id: "ann@example.com".into(),
            display: "Ann".into(),
        },
        received_at: format!("2026-05-01T10:00:0{n}Z")
            .parse()
            .expect("timestamp"),
        subject: Some(format!("Request {n}")),
        body: body.into(),
        attachments: Vec::new(),
        model_hint: Some(MODEL.into()),
        reply_refs: Vec::new(),
    }
}

fn accepted(recorded: Recorded) -> (IntakeId, ConversationId) {
    match recorded {
        Recorded::Accepted {
            id,
            conversation_id,
            ..
        } => (id, conversation_id),
        other => panic!("not accepted: {other:?}"),
    }
}

/// Starts a repo actor on the store at `<root>/store` (recovery runs now).
async fn start_repo(
    root: &Path,
    repo_url: &str,
    server: &ModelServer,
    limiter: Arc<Semaphore>,
) -> (Addr<RepoActor>, IntakeJournal, Arc<TestChannel>) {
    let engine = support::engine().await;
    let store = Store::open(&root.join("store")).expect("store");
    let journal = IntakeJournal::new(store.clone());
    let env = TaskEnvironment {
        engine: engine.clone(),
        names: Names::new("test-repoactor"),
        images: Arc::new(ImageCache::new(
            engine,
            Duration::from_secs(86400),
            root.join("locks"),
        )),
        network: None,
        store,
        claude_binary: support::claude_binary(),
        extra_env: vec![
            ("CLAUDE_CODE_MAX_RETRIES".into(), "1".into()),
            ("ANTHROPIC_BASE_URL".into(), server.container_base_url()),
        ],
        upstream_hosts: BTreeMap::new(),
        upstream_ports: BTreeMap::new(),
        upstream_dns: None,
        upstream_extra_roots_pem: None,
    };
    let channel = Arc::new(TestChannel::new());
    let settings = RepoSettings {
        repo_id: REPO.into(),
        repo: TaskRepo {
            container_path: ".airut/container".into(),
            sandbox_enabled: false,
            secrets: BTreeMap::from([("ANTHROPIC_API_KEY".to_string(), Secret::new("test-key"))]),
            ..TaskRepo::default()
        },
        channel_kind: ChannelKind::Email,
        channel: channel.clone(),
        env: Arc::new(env),
        mirror: Arc::new(GitMirror::new(
            root.join("git-mirror"),
            MirrorPolicy::default(),
        )),
        repo_url: repo_url.to_string(),
        conversations_dir: root.join("conversations"),
        repo_model: None,
        repo_effort: None,
        limiter,
        events: EventSink::none(),
    };
    let repo = RepoActor::new(settings, journal.clone()).start();
    (repo, journal, channel)
}

async fn recovery_done(repo: &Addr<RepoActor>) -> RepoState {
    let waited = tokio::time::Instant::now();
    loop {
        let state = repo.send(GetRepoState).await.expect("state");
        if state.recovery.is_some() {
            return state;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A process died with message 1 running and message 2 queued: on boot
/// message 1's sender is told it was interrupted (journal: interrupted),
/// message 2 runs and is answered (journal: done).
#[actix::test]
async fn boot_recovery_answers_interrupted_and_runs_queued() {
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Recovered answer.").expect_contains("queued request")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let repo_url = upstream(dir.path());

    // the previous process: both journaled, message 1 running when it died
    let (id1, conv1, id2, conv2) = {
        let store = Store::open(&dir.path().join("store")).expect("store");
        let journal = IntakeJournal::new(store);
        let (id1, conv1) = accepted(
            journal
                .record(&message(1, "running request"))
                .expect("journaled"),
        );
        let (id2, conv2) = accepted(
            journal
                .record(&message(2, "queued request"))
                .expect("journaled"),
        );
        journal
            .mark_running(&[id1], &format!("{conv1}-1"))
            .expect("running");
        (id1, conv1, id2, conv2)
    };
    assert_ne!(conv1, conv2);

    let (repo, journal, channel) =
        start_repo(dir.path(), &repo_url, &server, Arc::new(Semaphore::new(1))).await;
    let state = recovery_done(&repo).await;
    let report = state.recovery.expect("recovery");
    assert_eq!(report.resumed, vec![id2], "{report:?}");
    assert_eq!(report.interrupted, vec![id1], "{report:?}");
    assert!(report.unanswered.is_empty() && report.damaged.is_empty());
    assert_eq!(state.conversations, vec![conv2.clone()]);

    let calls = channel.wait_for_answers(2, Duration::from_secs(120)).await;
    server.assert_ok();
    let answers: Vec<&ChannelCall> = calls.iter().filter(|c| c.is_answer()).collect();
    assert_eq!(answers.len(), 2, "{calls:#?}");
    assert!(
        answers.contains(&&ChannelCall::ErrorReply {
            conversation: conv1.clone(),
            text: INTERRUPTED_NOTICE.to_string(),
        }),
        "{calls:#?}"
    );
    assert!(
        answers.iter().any(|c| matches!(c,
            ChannelCall::Reply { conversation, text, .. }
                if *conversation == conv2 && text.starts_with("Recovered answer."))),
        "{calls:#?}"
    );

    let entry1 = support::waits::wait_journal(&journal, id1, "interrupted").await;
    assert!(
        matches!(entry1.state, MessageState::Interrupted { .. }),
        "{:?}",
        entry1.state
    );
    let entry2 = support::waits::wait_journal(&journal, id2, "done").await;
    assert!(
        matches!(entry2.state, MessageState::Done { .. }),
        "{:?}",
        entry2.state
    );
    // nothing left for a third boot
    let again = journal.recover().expect("recover");
    assert!(again.queued.is_empty() && again.interrupted.is_empty());
}

const DELAY: Duration = Duration::from_secs(6);

/// Submits two messages of two conversations at once, each answered after
/// `DELAY`; returns when the times the model got each task's request (from
/// the model server's start), sorted.
async fn two_tasks(limit: usize) -> (Duration, Duration) {
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("Answer.").delay(DELAY))
            .turn(Turn::text("Answer.").delay(DELAY)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let repo_url = upstream(dir.path());
    let (repo, _journal, channel) = start_repo(
        dir.path(),
        &repo_url,
        &server,
        Arc::new(Semaphore::new(limit)),
    )
    .await;
    let (a, b) = tokio::join!(
        repo.send(Submit(message(1, "first request"))),
        repo.send(Submit(message(2, "second request"))),
    );
    let (_, conv_a) = accepted(a.expect("delivered").expect("journaled"));
    let (_, conv_b) = accepted(b.expect("delivered").expect("journaled"));
    assert_ne!(conv_a, conv_b);
    // a redelivery is journaled once and not run again
    let again = repo
        .send(Submit(message(1, "first request")))
        .await
        .expect("delivered")
        .expect("journaled");
    assert!(matches!(again, Recorded::Duplicate { .. }), "{again:?}");

    let calls = channel.wait_for_answers(2, Duration::from_secs(180)).await;
    server.assert_ok();
    let replies = calls
        .iter()
        .filter(|c| matches!(c, ChannelCall::Reply { .. }))
        .count();
    assert_eq!(replies, 2, "{calls:#?}");
    let mut at: Vec<Duration> = server.main_requests().iter().map(|r| r.at).collect();
    at.sort();
    assert_eq!(at.len(), 2, "one model request per task: {at:?}");
    (at[0], at[1])
}

/// `max_concurrent = 1`: the second task's model request comes only after
/// the first task's delayed answer; with 2 both requests wait together.
#[actix::test]
async fn the_global_limit_serialises_running_tasks() {
    let (first, second) = two_tasks(1).await;
    assert!(
        second >= first + DELAY,
        "limit 1: tasks overlapped ({first:?}, {second:?})"
    );
    let (first, second) = two_tasks(2).await;
    assert!(
        second < first + DELAY,
        "limit 2: tasks did not overlap ({first:?}, {second:?})"
    );
}

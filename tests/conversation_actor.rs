//! The conversation actor with the real components (local git upstream and
//! mirror, the task image, real Claude Code against the scripted model
//! server; network sandbox off to stay fast): follow-ups that arrive while
//! a task runs are coalesced into one next task that resumes the session.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use airut_actors::channel::{ChannelCall, TestChannel};
use airut_actors::config::{ChannelKind, Secret};
use airut_actors::conversation::{
    ConversationActor, ConversationSetup, GetState, NewMessage, Stop,
};
use airut_actors::git::{GitMirror, MirrorPolicy};
use airut_actors::hub::EventSink;
use airut_actors::intake::{
    ConversationId, InboundMessage, IntakeId, IntakeJournal, MessageState, Recorded, Sender,
};
use airut_actors::sandbox::agent_task::ConversationDirs;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::outcome::Outcome;
use airut_actors::store::Store;
use airut_actors::task_runner::{TaskEnvironment, TaskRepo};
use airut_testkit::model_server::{ModelServer, Script, Turn};

const MODEL: &str = "claude-sonnet-4-5";
const DOCKERFILE: &str = "FROM debian:bookworm-slim\nWORKDIR /workspace\n";

fn upstream(root: &Path) -> String {
    support::git_repo::bare_upstream(
        root,
        &[
            (".airut/container/Dockerfile", DOCKERFILE),
            ("README.md", "original\n"),
        ],
    )
}

fn message(n: u32, sender: &str, body: &str) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Email,
        repo_id: "test-repo".into(),
        dedupe_key: format!("msg-{n}"),
        thread_key: "thread-1".into(),
        conversation_hint: None,
        sender: Sender {
            id: format!("{sender}@example.com"),
            display: sender.into(),
        },
        received_at: format!("2026-05-01T10:00:0{n}Z")
            .parse()
            .expect("timestamp"),
        subject: Some("Coalescing".into()),
        body: body.into(),
        attachments: Vec::new(),
        model_hint: Some(MODEL.into()),
        reply_refs: Vec::new(),
    }
}

fn record(journal: &IntakeJournal, msg: &InboundMessage) -> (IntakeId, String) {
    match journal.record(msg).expect("journaled") {
        Recorded::Accepted {
            id,
            conversation_id,
            ..
        } => (id, conversation_id.to_string()),
        other => panic!("not accepted: {other:?}"),
    }
}

struct Fixture {
    journal: IntakeJournal,
    channel: Arc<TestChannel>,
    conversation: String,
    actor: actix::Addr<ConversationActor>,
    first: IntakeId,
    _dir: tempfile::TempDir,
}

/// Journals message 1 ("please start", from Ann) and starts the actor for
/// its conversation (nothing sent to it yet).
async fn fixture(server: &ModelServer) -> Fixture {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let repo_url = upstream(dir.path());
    let store = Store::open(&dir.path().join("store")).expect("store");
    let journal = IntakeJournal::new(store.clone());
    let env = TaskEnvironment {
        engine: engine.clone(),
        names: Names::new("test-convactor"),
        images: Arc::new(ImageCache::new(
            engine,
            Duration::from_secs(86400),
            dir.path().join("locks"),
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
    let (first, conversation) = record(&journal, &message(1, "Ann", "please start"));
    let conversation_id = ConversationId::parse(&conversation).expect("conversation id");
    let channel = Arc::new(TestChannel::new());
    let actor = ConversationActor::new(ConversationSetup {
        conversation_id,
        repo_id: "test-repo".into(),
        repo: TaskRepo {
            container_path: ".airut/container".into(),
            sandbox_enabled: false,
            secrets: BTreeMap::from([("ANTHROPIC_API_KEY".to_string(), Secret::new("test-key"))]),
            ..TaskRepo::default()
        },
        channel_kind: ChannelKind::Email,
        channel: channel.clone(),
        env: Arc::new(env),
        journal: journal.clone(),
        mirror: Arc::new(GitMirror::new(
            dir.path().join("git-mirror"),
            MirrorPolicy::default(),
        )),
        repo_url,
        dirs: ConversationDirs::new(dir.path().join("conversation")),
        repo_model: None,
        repo_effort: None,
        events: EventSink::none(),
    })
    .start();
    Fixture {
        journal,
        channel,
        conversation,
        actor,
        first,
        _dir: dir,
    }
}

#[actix::test]
async fn follow_ups_during_a_task_are_coalesced_into_one_resumed_task() {
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(
                Turn::text("First answer.")
                    .expect_contains("please start")
                    .delay(Duration::from_secs(8)),
            )
            .turn(
                Turn::text("Second answer.")
                    .expect_contains("First answer.")
                    .expect_contains("follow-up two")
                    .expect_contains("follow-up three"),
            ),
    );
    let Fixture {
        journal,
        channel,
        conversation,
        actor,
        first: id1,
        _dir,
    } = fixture(&server).await;

    actor.send(NewMessage(id1)).await.expect("delivered");
    // the first task is under way (acknowledged) when the follow-ups come
    channel
        .wait_for(Duration::from_secs(60), |calls| {
            calls
                .iter()
                .any(|c| matches!(c, ChannelCall::Acknowledge { .. }))
        })
        .await;
    let (id2, conv2) = record(&journal, &message(2, "Bob", "follow-up two"));
    let (id3, conv3) = record(&journal, &message(3, "Cid", "follow-up three"));
    assert_eq!((&conv2, &conv3), (&conversation, &conversation));
    actor.send(NewMessage(id2)).await.expect("delivered");
    actor.send(NewMessage(id3)).await.expect("delivered");
    let running = actor.send(GetState).await.expect("state");
    assert!(running.running.is_some(), "task 1 still runs: {running:?}");
    assert_eq!(running.queued, vec![id2, id3]);

    let calls = channel.wait_for_answers(2, Duration::from_secs(300)).await;
    server.assert_ok();

    // the channel: one acknowledgement, two replies, nothing else answered
    let acks = calls
        .iter()
        .filter(|c| matches!(c, ChannelCall::Acknowledge { .. }))
        .count();
    assert_eq!(acks, 1, "{calls:#?}");
    let replies: Vec<&str> = calls
        .iter()
        .filter_map(|c| match c {
            ChannelCall::Reply { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 2, "{calls:#?}");
    assert!(replies[0].starts_with("First answer."), "{replies:?}");
    assert!(replies[1].starts_with("Second answer."), "{replies:?}");
    assert!(
        !calls
            .iter()
            .any(|c| matches!(c, ChannelCall::ErrorReply { .. }))
    );

    // exactly two tasks; the second coalesced both follow-ups and resumed
    let state = support::waits::wait_idle(&actor).await;
    assert_eq!(state.tasks.len(), 2, "{state:#?}");
    assert!(state.running.is_none() && state.queued.is_empty());
    let (first, second) = (&state.tasks[0], &state.tasks[1]);
    assert_eq!(first.messages, vec![id1]);
    assert_eq!(second.messages, vec![id2, id3]);
    assert_eq!(first.outcome, Some(Outcome::Success));
    assert_eq!(second.outcome, Some(Outcome::Success));
    assert!(first.resumed.is_none());
    let session = first.session_id.clone().expect("first session");
    assert_eq!(second.resumed.as_deref(), Some(session.as_str()));
    assert_eq!(state.session_id.as_deref(), Some(session.as_str()));
    let bob = second
        .prompt
        .find("[Bob 2026-05-01 10:00:02 UTC]\nfollow-up two")
        .unwrap_or_else(|| panic!("{}", second.prompt));
    let cid = second
        .prompt
        .find("[Cid 2026-05-01 10:00:03 UTC]\nfollow-up three")
        .unwrap_or_else(|| panic!("{}", second.prompt));
    assert!(bob < cid);
    assert!(!second.prompt.contains("please start"));
    assert!(!second.prompt.contains("Subject:"), "a resumed task");
    let resumed = server.main_requests().last().expect("request").text();
    assert!(resumed.contains("please start"), "{resumed}");

    // the journal: every message done, by the task that answered it
    for (id, task) in [
        (id1, &first.task_id),
        (id2, &second.task_id),
        (id3, &second.task_id),
    ] {
        let entry = journal.get(id).expect("journal").expect("entry");
        assert_eq!(
            entry.state,
            MessageState::Done {
                task_id: task.clone()
            },
            "{id}"
        );
    }
}

/// `Stop` ends the running task: the sender gets an error reply and the
/// message is marked failed; the actor is idle again.
#[actix::test]
async fn stop_ends_the_running_task() {
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Too late.").delay(Duration::from_secs(120))),
    );
    let fx = fixture(&server).await;
    assert!(
        fx.actor
            .send(Stop::default())
            .await
            .expect("state")
            .stopped_task
            .is_none(),
        "nothing runs yet"
    );
    fx.actor
        .send(NewMessage(fx.first))
        .await
        .expect("delivered");
    // wait until Claude Code is waiting on the model
    let waited = tokio::time::Instant::now();
    while server.main_requests().is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no model request"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stopped = fx.actor.send(Stop::default()).await.expect("stop");
    assert!(stopped.stopped_task.is_some(), "{stopped:?}");
    let calls = fx
        .channel
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    assert!(
        calls
            .iter()
            .any(|c| matches!(c, ChannelCall::ErrorReply { .. })),
        "{calls:#?}"
    );
    let state = support::waits::wait_idle(&fx.actor).await;
    assert!(state.running.is_none());
    assert_eq!(state.tasks.len(), 1);
    assert_eq!(state.tasks[0].outcome, Some(Outcome::Stopped), "{state:#?}");
    let entry = fx.journal.get(fx.first).expect("journal").expect("entry");
    assert!(
        matches!(entry.state, MessageState::Failed { .. }),
        "{:?}",
        entry.state
    );
    assert!(!fx.conversation.is_empty());
}

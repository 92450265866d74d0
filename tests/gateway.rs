//! The gateway with the real components (config file, git mirrors, task
//! images, real Claude Code against the scripted model server, sled),
//! in-process test channels: partial boot with retry, resume after a full
//! restart, graceful shutdown, stop, housekeeping.

mod support;

use std::time::Duration;

use actix::Actor;
use actix::Addr;
use airut_actors::channel::ChannelCall;
use airut_actors::conversation::{
    ConversationRecord, EMPTY_MESSAGE, GetState, INTERRUPTED_NOTICE, PanicForTest,
};
use airut_actors::gateway::{Housekeep, Shutdown};
use airut_actors::hub::{GatewayEvent, GetSnapshot, Hub, RepoStatus, TaskRecord, TaskStatus};
use airut_actors::intake::{Attachment, ConversationId, IntakeJournal, Recorded};
use airut_actors::repo::{GetConversation, RepoActor, StopConversation, Submit};
use airut_testkit::model_server::{ApiError, ModelServer, Script, ToolUse, Turn};
use support::gateway_fixture::{
    GatewayFixture, config_yaml, config_yaml_with, live_repo, message, upstream, wait_repo,
};

async fn submit(
    repo: &Addr<RepoActor>,
    msg: airut_actors::intake::InboundMessage,
) -> ConversationId {
    match repo
        .send(Submit(msg))
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

fn answers_for(calls: &[ChannelCall], conversation: &ConversationId) -> Vec<ChannelCall> {
    calls
        .iter()
        .filter(|c| match c {
            ChannelCall::Reply {
                conversation: c, ..
            }
            | ChannelCall::ErrorReply {
                conversation: c, ..
            } => c == conversation,
            _ => false,
        })
        .cloned()
        .collect()
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

/// One repo cannot be cloned: it is `failed`, the other answers; once its
/// upstream exists the retry makes it live without a restart.
#[actix::test]
async fn a_failing_repo_beside_a_live_one_recovers_on_retry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let alpha = upstream(&root.join("alpha"));
    std::fs::create_dir_all(root.join("beta")).expect("mkdir");
    let beta = format!(
        "file://{}",
        root.join("beta").join("upstream.git").display()
    );
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("Alpha done."))
            .turn(Turn::text("Beta done.")),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &alpha), ("beta", &beta)], 2, 30),
        &server.container_base_url(),
    );
    let failed = wait_repo(&gateway, "beta", Duration::from_secs(120), |s| {
        matches!(s, RepoStatus::Failed { .. })
    })
    .await;
    let RepoStatus::Failed { error, .. } = &failed else {
        unreachable!()
    };
    assert!(error.contains("git mirror"), "{error}");

    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, message("alpha", "a1", "t-a1", "Do alpha.")).await;
    let channel = fx.channels.channel("alpha");
    let calls = channel.wait_for_answers(1, Duration::from_secs(120)).await;
    assert!(
        matches!(&answers_for(&calls, &conversation)[..], [ChannelCall::Reply { text, .. }] if text.starts_with("Alpha done.")),
        "{calls:#?}"
    );

    support::git_repo::bare_upstream(
        &root.join("beta"),
        &[(
            ".airut/container/Dockerfile",
            support::gateway_fixture::DOCKERFILE,
        )],
    );
    let beta_repo = live_repo(&gateway, "beta").await;
    let beta_conversation = submit(&beta_repo, message("beta", "b1", "t-b1", "Do beta.")).await;
    let calls = fx
        .channels
        .channel("beta")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    assert!(
        matches!(&answers_for(&calls, &beta_conversation)[..], [ChannelCall::Reply { text, .. }] if text.starts_with("Beta done.")),
        "{calls:#?}"
    );
    gateway.send(Shutdown).await.expect("shutdown");
}

/// A conversation continues after the whole gateway was shut down and
/// started again: the follow-up resumes the stored session, the task
/// counter goes on, and nothing is acknowledged twice.
#[actix::test]
async fn a_conversation_resumes_after_a_full_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("Noted: PAPAYA."))
            .turn(Turn::text("It was PAPAYA.")),
    );
    let fx = GatewayFixture::new(root);
    let yaml = config_yaml(&[("alpha", &url)], 2, 30);
    let gateway = fx.start(&yaml, &server.container_base_url());
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(
        &repo,
        message("alpha", "m1", "thread-1", "Remember PAPAYA."),
    )
    .await;
    let channel = fx.channels.channel("alpha");
    channel.wait_for_answers(1, Duration::from_secs(120)).await;
    let first_session = ConversationRecord::load(&fx.store, &conversation)
        .expect("record")
        .expect("stored")
        .session_id
        .expect("session stored");
    gateway.send(Shutdown).await.expect("shutdown");
    drop(gateway);

    let gateway = fx.start(&yaml, &server.container_base_url());
    let repo = live_repo(&gateway, "alpha").await;
    // same thread: intake puts it in the same conversation
    let again = submit(&repo, message("alpha", "m2", "thread-1", "Which word?")).await;
    assert_eq!(again, conversation);
    let calls = channel.wait_for_answers(2, Duration::from_secs(120)).await;
    let answers = answers_for(&calls, &conversation);
    assert!(
        matches!(&answers[..], [_, ChannelCall::Reply { text, .. }] if text.starts_with("It was PAPAYA.")),
        "{calls:#?}"
    );
    let acks = calls
        .iter()
        .filter(|c| matches!(c, ChannelCall::Acknowledge { .. }))
        .count();
    assert_eq!(acks, 1, "{calls:#?}");
    let actor = repo
        .send(GetConversation(conversation.clone()))
        .await
        .expect("repo")
        .expect("conversation actor");
    let state = support::waits::wait_idle(&actor).await;
    assert_eq!(state.tasks.len(), 1, "{state:?}");
    assert_eq!(state.tasks[0].task_id, format!("{conversation}-2"));
    assert_eq!(
        state.tasks[0].resumed.as_deref(),
        Some(first_session.as_str())
    );
    // the resumed request carries the first exchange
    let resumed = server.main_requests().last().expect("request").text();
    assert!(resumed.contains("Remember PAPAYA."), "{resumed}");
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Shutdown with a task past the drain time and one waiting for a slot:
/// the running one is stopped and its sender told to reply to resume, the
/// waiting one stays queued and runs after the next start; nothing of the
/// instance is left in the engine.
#[actix::test]
async fn shutdown_interrupts_the_running_task_and_keeps_the_queued_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let slow = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Too late.").delay(Duration::from_secs(120))),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 1, 1),
        &slow.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let running = submit(&repo, message("alpha", "r1", "t-run", "Take long.")).await;
    wait_model_requests(&slow, 1).await;
    let queued = submit(&repo, message("alpha", "q1", "t-queue", "Wait your turn.")).await;

    let report = gateway.send(Shutdown).await.expect("shutdown");
    assert_eq!(report.interrupted, 1, "{report:?}");
    assert_eq!(report.abandoned, 0, "{report:?}");
    let channel = fx.channels.channel("alpha");
    let calls = channel.calls();
    assert!(
        matches!(&answers_for(&calls, &running)[..], [ChannelCall::ErrorReply { text, .. }] if text == INTERRUPTED_NOTICE),
        "{calls:#?}"
    );
    assert!(answers_for(&calls, &queued).is_empty(), "{calls:#?}");
    let journal = IntakeJournal::new(fx.store.clone());
    let open = journal.recover().expect("recover");
    assert_eq!(open.queued.len(), 1, "{open:?}");
    assert_eq!(open.queued[0].conversation_id, queued);
    assert!(open.interrupted.is_empty(), "{open:?}");
    assert_leftovers_gone(&fx.instance).await;
    drop(gateway);

    let fast = ModelServer::start_for_containers(Script::new().turn(Turn::text("Your turn came.")));
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 1, 1),
        &fast.container_base_url(),
    );
    let _ = live_repo(&gateway, "alpha").await;
    let calls = channel.wait_for_answers(2, Duration::from_secs(120)).await;
    assert!(
        matches!(&answers_for(&calls, &queued)[..], [ChannelCall::Reply { text, .. }] if text.starts_with("Your turn came.")),
        "{calls:#?}"
    );
    support::waits::wait_journal(&journal, open.queued[0].id, "done").await;
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Stop with `drop_pending`: the running task ends as stopped and the
/// follow-up queued behind it is dropped with a notice instead of running.
#[actix::test]
async fn stop_can_drop_the_pending_follow_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let slow = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Too late.").delay(Duration::from_secs(120))),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &slow.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, message("alpha", "s1", "t-stop", "Take long.")).await;
    wait_model_requests(&slow, 1).await;
    let follow_up = submit(&repo, message("alpha", "s2", "t-stop", "And then this.")).await;
    assert_eq!(follow_up, conversation);
    // the follow-up must be in the actor's queue before the stop
    let actor = repo
        .send(GetConversation(conversation.clone()))
        .await
        .expect("repo")
        .expect("actor");
    let waited = tokio::time::Instant::now();
    while actor.send(GetState).await.expect("state").queued.is_empty() {
        assert!(waited.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // a stop aimed at another task (one that ended meanwhile, say) leaves
    // the running one and the queue alone
    let missed = repo
        .send(StopConversation {
            conversation_id: conversation.clone(),
            drop_pending: false,
            only_task: Some(format!("{conversation}-99")),
        })
        .await
        .expect("repo")
        .expect("actor");
    assert_eq!(missed.stopped_task, None, "{missed:?}");
    let state = actor.send(GetState).await.expect("state");
    assert!(state.running.is_some(), "{state:?}");
    let running_task = format!("{conversation}-1");
    let stopped = repo
        .send(StopConversation {
            conversation_id: conversation.clone(),
            drop_pending: true,
            only_task: Some(running_task.clone()),
        })
        .await
        .expect("repo")
        .expect("actor");
    assert_eq!(stopped.dropped, 1, "{stopped:?}");
    assert_eq!(stopped.stopped_task, Some(running_task), "{stopped:?}");
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(2, Duration::from_secs(60))
        .await;
    let answers = answers_for(&calls, &conversation);
    assert_eq!(answers.len(), 2, "{calls:#?}");
    assert!(answers.iter().any(|c| matches!(c, ChannelCall::ErrorReply { text, .. } if text.contains("stopped on request"))), "{calls:#?}");
    assert!(
        answers
            .iter()
            .any(|c| matches!(c, ChannelCall::ErrorReply { text, .. } if text.contains("dropped"))),
        "{calls:#?}"
    );
    assert_eq!(slow.main_requests().len(), 1, "the follow-up never ran");
    gateway.send(Shutdown).await.expect("shutdown");
}

/// A conversation actor that panics mid-task is replaced by its repo from
/// the conversation's record: the cut-off task's sender gets the
/// interrupted notice, its container is removed, and the follow-up queued
/// behind it runs in a new actor that resumes the stored session.
#[actix::test]
async fn a_panicking_conversation_actor_is_restarted_from_its_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("Never sent.").delay(Duration::from_secs(600)))
            .turn(Turn::text("After the crash.")),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, message("alpha", "p1", "t-panic", "Start the work.")).await;
    wait_model_requests(&server, 1).await;
    let follow_up = submit(&repo, message("alpha", "p2", "t-panic", "And carry on.")).await;
    assert_eq!(follow_up, conversation);
    let actor = repo
        .send(GetConversation(conversation.clone()))
        .await
        .expect("repo")
        .expect("actor");
    let waited = tokio::time::Instant::now();
    while actor.send(GetState).await.expect("state").queued.is_empty() {
        assert!(waited.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let session = ConversationRecord::load(&fx.store, &conversation)
        .expect("load")
        .expect("record")
        .session_id
        .expect("the session is stored as soon as Claude reports it");
    actor.do_send(PanicForTest);

    let channel = fx.channels.channel("alpha");
    let calls = channel.wait_for_answers(2, Duration::from_secs(120)).await;
    let answers = answers_for(&calls, &conversation);
    assert!(
        matches!(&answers[..], [ChannelCall::ErrorReply { text: notice, .. }, ChannelCall::Reply { text, .. }]
            if notice == INTERRUPTED_NOTICE && text.starts_with("After the crash.")),
        "{calls:#?}"
    );
    let revived = repo
        .send(GetConversation(conversation.clone()))
        .await
        .expect("repo")
        .expect("a new actor");
    let state = support::waits::wait_idle(&revived).await;
    assert_eq!(state.tasks.len(), 1, "{state:?}");
    assert_eq!(state.tasks[0].resumed.as_deref(), Some(session.as_str()));
    let resumed = server.main_requests().last().expect("request").text();
    assert!(resumed.contains("Start the work."), "{resumed}");
    assert_leftovers_gone(&fx.instance).await;
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Housekeeping deletes a conversation idle longer than the configured
/// age (by its record, not a file time) and keeps a recent one.
#[actix::test]
async fn housekeeping_removes_only_conversations_idle_too_long() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("One."))
            .turn(Turn::text("Two.")),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let old = submit(&repo, message("alpha", "h1", "t-old", "First.")).await;
    let recent = submit(&repo, message("alpha", "h2", "t-new", "Second.")).await;
    let channel = fx.channels.channel("alpha");
    channel.wait_for_answers(2, Duration::from_secs(120)).await;
    // wait until both actors are idle and saved
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut record = ConversationRecord::load(&fx.store, &old)
        .expect("load")
        .expect("record");
    record.last_activity_ms -= 8 * 24 * 3600 * 1000;
    record.save(&fx.store, &old).expect("save");
    let old_dir = fx
        .state_dir()
        .join("alpha")
        .join("conversations")
        .join(old.as_str());
    assert!(old_dir.join("workspace").exists());

    let report = gateway.send(Housekeep).await.expect("housekeeping");
    assert_eq!(
        report.removed,
        vec![("alpha".to_string(), old.clone())],
        "{report:?}"
    );
    assert!(!old_dir.exists());
    assert!(
        ConversationRecord::load(&fx.store, &old)
            .expect("load")
            .is_none()
    );
    assert!(
        ConversationRecord::load(&fx.store, &recent)
            .expect("load")
            .is_some()
    );
    assert!(channel.calls().contains(&ChannelCall::Cleanup {
        conversation: old.clone()
    }));
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Nothing labelled with the gateway's instance remains in the engine
/// (exited containers and proxies are removed in the background: within a
/// few seconds).
async fn assert_leftovers_gone(instance: &str) {
    let engine = support::engine().await;
    let names = airut_actors::sandbox::names::Names::new(instance);
    let waited = tokio::time::Instant::now();
    loop {
        let containers =
            airut_actors::sandbox::leftovers::list_container_names(&engine, &names, None)
                .await
                .expect("containers");
        let networks = engine
            .docker
            .list_networks(None::<bollard::query_parameters::ListNetworksOptions>)
            .await
            .expect("networks");
        let ours: Vec<_> = networks
            .iter()
            .filter_map(|n| n.name.clone())
            .filter(|n| n.contains(names.instance()))
            .collect();
        if containers.is_empty() && ours.is_empty() {
            return;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "left behind: {containers:#?} {ours:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The most tasks running at once, by the TaskStarted/TaskFinished events.
fn peak_running(events: &[GatewayEvent]) -> usize {
    // From TaskStarted (slot taken) to Claude's `result` (the run is over;
    // the slot goes with the container, before the answer and TaskFinished)
    let mut running = std::collections::BTreeSet::new();
    let mut peak = 0;
    for event in events {
        match event {
            GatewayEvent::TaskStarted { task, .. } => {
                running.insert(task.task_id.clone());
                peak = peak.max(running.len());
            }
            GatewayEvent::Claude { task, event } if event["type"] == "result" => {
                running.remove(&task.task_id);
            }
            GatewayEvent::TaskFinished { task, .. } => {
                running.remove(&task.task_id);
            }
            _ => {}
        }
    }
    peak
}

/// Two repos share `execution.max_concurrent: 1`: both answer, one task
/// at a time; intake and the acknowledgement of the second do not wait.
#[actix::test]
async fn two_repos_share_the_global_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let alpha = upstream(&root.join("alpha"));
    let beta = upstream(&root.join("beta"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("First.").delay(Duration::from_secs(3)))
            .turn(Turn::text("Second.").delay(Duration::from_secs(3))),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &alpha), ("beta", &beta)], 1, 30),
        &server.container_base_url(),
    );
    let (repo_a, repo_b) = (
        live_repo(&gateway, "alpha").await,
        live_repo(&gateway, "beta").await,
    );
    let conv_a = submit(&repo_a, message("alpha", "a", "t-a", "Alpha work.")).await;
    let conv_b = submit(&repo_b, message("beta", "b", "t-b", "Beta work.")).await;
    // both acknowledged at once, before either task ends
    for (repo, conversation) in [("alpha", &conv_a), ("beta", &conv_b)] {
        fx.channels
            .channel(repo)
            .wait_for(Duration::from_secs(60), |calls| {
                calls.iter().any(|c| matches!(c, ChannelCall::Acknowledge { conversation: c, .. } if c == conversation))
            })
            .await;
    }
    let a = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    let b = fx
        .channels
        .channel("beta")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    assert!(
        matches!(&answers_for(&a, &conv_a)[..], [ChannelCall::Reply { .. }]),
        "{a:#?}"
    );
    assert!(
        matches!(&answers_for(&b, &conv_b)[..], [ChannelCall::Reply { .. }]),
        "{b:#?}"
    );
    gateway.send(Shutdown).await.expect("shutdown");
    let events = fx.events();
    assert_eq!(peak_running(&events), 1, "{events:#?}");
    let started = events
        .iter()
        .filter(|e| matches!(e, GatewayEvent::TaskStarted { .. }))
        .count();
    assert_eq!(started, 2);
}

/// A resumed session that the model refuses as too long is retried once
/// in a fresh session with the recovery prompt (last reply + the new
/// request); the conversation keeps the new session.
#[actix::test]
async fn prompt_too_long_is_recovered_in_a_fresh_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("The answer is KIWI."))
            // Claude Code 2.1.330 itself tries a resumed session three
            // times before it gives up on "prompt is too long"
            .turn(Turn::error(ApiError::prompt_too_long(210_000, 200_000)).times(3))
            .turn(
                Turn::text("Recovered with KIWI.")
                    .expect_contains("The answer is KIWI.")
                    .expect_contains("What was it?"),
            ),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, message("alpha", "k1", "t-kiwi", "Pick a fruit.")).await;
    let channel = fx.channels.channel("alpha");
    channel.wait_for_answers(1, Duration::from_secs(120)).await;
    let actor = repo
        .send(GetConversation(conversation.clone()))
        .await
        .expect("repo")
        .expect("actor");
    let first = support::waits::wait_idle(&actor)
        .await
        .session_id
        .expect("session");
    submit(&repo, message("alpha", "k2", "t-kiwi", "What was it?")).await;
    let calls = channel.wait_for_answers(2, Duration::from_secs(120)).await;
    server.assert_ok();
    assert!(
        matches!(&answers_for(&calls, &conversation)[..], [_, ChannelCall::Reply { text, .. }] if text.starts_with("Recovered with KIWI.")),
        "{calls:#?}"
    );
    let state = support::waits::wait_idle(&actor).await;
    let second = state.session_id.expect("session");
    assert_ne!(
        second, first,
        "a fresh session replaced the unresumable one"
    );
    let stored = ConversationRecord::load(&fx.store, &conversation)
        .expect("load")
        .expect("record");
    assert_eq!(stored.session_id.as_deref(), Some(second.as_str()));
    gateway.send(Shutdown).await.expect("shutdown");
}

/// `resource_limits.timeout`: the task is cut off, the sender is told the
/// limit, and the message is marked failed.
#[actix::test]
async fn a_task_over_its_time_limit_gets_the_timeout_reply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Too late.").delay(Duration::from_secs(120))),
    );
    let fx = GatewayFixture::new(root);
    let yaml = config_yaml_with(
        &[("alpha", &url)],
        2,
        30,
        "resource_limits:\n  timeout: 10\n",
    );
    let gateway = fx.start(&yaml, &server.container_base_url());
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, message("alpha", "t1", "t-slow", "Take forever.")).await;
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    assert!(
        matches!(&answers_for(&calls, &conversation)[..], [ChannelCall::ErrorReply { text, .. }] if text.contains("time limit of 10 s")),
        "{calls:#?}"
    );
    // published right after the answer
    let waited = tokio::time::Instant::now();
    let finished = loop {
        let finished = fx.events().into_iter().find_map(|e| match e {
            GatewayEvent::TaskFinished { outcome, .. } => Some(outcome),
            _ => None,
        });
        if let Some(outcome) = finished {
            break outcome;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "no TaskFinished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(finished, "timeout");
    gateway.send(Shutdown).await.expect("shutdown");
}

/// The agent's todo list reaches the channel as plan updates and the hub
/// as the task's todos; the hub keeps the finished task's record.
#[actix::test]
async fn plans_reach_the_channel_and_the_hub_records_the_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::todo_write(&[
                ("Read the code", "completed"),
                ("Fix the bug", "in_progress"),
            ])))
            .turn(Turn::text("Planned and done.").expect_tool_results()),
    );
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    fx.hub = Some(hub.clone());
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, message("alpha", "p1", "t-plan", "Plan it.")).await;
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    let plan = calls.iter().find_map(|c| match c {
        ChannelCall::Plan {
            conversation: c,
            todos,
        } if *c == conversation => Some(todos.clone()),
        _ => None,
    });
    let plan = plan.expect("a plan update");
    let items: Vec<(&str, &str)> = plan
        .iter()
        .map(|p| (p.content.as_str(), p.status.as_str()))
        .collect();
    assert_eq!(
        items,
        vec![
            ("Read the code", "completed"),
            ("Fix the bug", "in_progress")
        ]
    );

    let waited = tokio::time::Instant::now();
    let task =
        loop {
            let snapshot = hub.send(GetSnapshot).await.expect("hub");
            if let Some(task) = snapshot.tasks.iter().find(|t| {
                t.task.conversation_id == conversation && t.status == TaskStatus::Finished
            }) {
                break task.clone();
            }
            assert!(waited.elapsed() < Duration::from_secs(10), "{snapshot:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
    assert_eq!(task.outcome.as_deref(), Some("success"));
    assert!(task.replied);
    assert_eq!(task.todos.len(), 2);
    assert!(task.claude_events > 0);
    let stored = TaskRecord::load(&fx.store, &task.task.task_id)
        .expect("load")
        .expect("stored");
    assert_eq!(stored.outcome.as_deref(), Some("success"));
    gateway.send(Shutdown).await.expect("shutdown");
}

/// A message with neither body nor subject gets the "empty" answer and
/// starts no task; nothing is acknowledged.
#[actix::test]
async fn an_empty_message_is_answered_without_a_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(Script::new());
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let mut empty = message("alpha", "e1", "t-empty", " \n");
    empty.subject = None;
    let conversation = submit(&repo, empty).await;
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    assert_eq!(
        calls,
        vec![ChannelCall::ErrorReply {
            conversation,
            text: EMPTY_MESSAGE.to_string()
        }]
    );
    assert!(server.main_requests().is_empty());
    gateway.send(Shutdown).await.expect("shutdown");
}

/// An attachment is saved to the inbox and named in the prompt; a file
/// the agent puts in the outbox comes back with the answer, also when the
/// run then fails.
#[actix::test]
async fn attachments_go_in_and_outbox_files_come_back_even_on_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(
                Turn::tool(ToolUse::bash("cp /inbox/notes.txt /outbox/copy.txt"))
                    .expect_contains("notes.txt"),
            )
            .turn(Turn::error(ApiError::invalid_request("the model broke")).forever()),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let repo = live_repo(&gateway, "alpha").await;
    let staged = root.join("staged-notes.txt");
    std::fs::write(&staged, "hello inbox\n").expect("attachment");
    let mut msg = message("alpha", "f1", "t-files", "Copy my notes.");
    msg.attachments = vec![Attachment {
        name: "notes.txt".into(),
        path: staged,
    }];
    let conversation = submit(&repo, msg).await;
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    server.assert_ok();
    let answers = answers_for(&calls, &conversation);
    let [ChannelCall::Reply { text, files, .. }] = &answers[..] else {
        panic!("{calls:#?}");
    };
    assert!(
        !text.starts_with("Done"),
        "the text reports the failure: {text}"
    );
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("copy.txt"));
    assert_eq!(
        std::fs::read_to_string(&files[0]).expect("delivered"),
        "hello inbox\n"
    );
    gateway.send(Shutdown).await.expect("shutdown");
}

//! The Slack listener against the fake Slack, started the way `airut run`
//! starts it (`ProductionChannels`, `slack.api_url` pointing at the fake):
//! envelopes are acknowledged once their message is journaled, a
//! redelivery is not journaled twice, bots and channels outside the
//! allowlist are ignored without a trace, and a dropped connection comes
//! back on its own.

mod support;

use std::sync::Arc;
use std::time::Duration;

use airut_actors::channel::ProductionChannels;
use airut_actors::gateway::Shutdown;
use airut_actors::hub::{GatewayEvent, RepoStatus};
use airut_actors::intake::{IntakeId, IntakeJournal, JournalEntry};
use airut_testkit::model_server::{ModelServer, Script, Turn};
use support::fake_slack::{APP_TOKEN, BOT_TOKEN, Delivery, FakeSlack, FakeUser, UserMessage};
use support::gateway_fixture::{GatewayFixture, MODEL, live_repo, upstream, wait_repo};

const REPO: &str = "slk";
const WAIT: Duration = Duration::from_secs(30);

fn slack_yaml(repo_url: &str, api_url: &str) -> String {
    format!(
        "config_version: 5\nexecution:\n  max_concurrent: 2\n  shutdown_timeout: 10\n\
         dashboard:\n  enabled: false\nrepos:\n  {REPO}:\n    repo_url: {repo_url}\n    \
         model: {MODEL}\n    network:\n      sandbox_enabled: false\n    slack:\n      \
         bot_token: {BOT_TOKEN}\n      app_token: {APP_TOKEN}\n      authorized:\n        \
         - workspace_members: true\n      allowed_channels: [C1OK]\n      api_url: {api_url}\n    \
         secrets:\n      ANTHROPIC_API_KEY: test-key\n"
    )
}

/// The journal entries carrying `dedupe` (ids are dense from 1).
fn entries(journal: &IntakeJournal, dedupe: &str) -> Vec<JournalEntry> {
    let mut found = Vec::new();
    for n in 1.. {
        match journal.get(IntakeId(n)).expect("journal") {
            Some(entry) if entry.message.dedupe_key == dedupe => found.push(entry),
            Some(_) => {}
            None => break,
        }
    }
    found
}

fn journaled(journal: &IntakeJournal, dedupe: &str) -> usize {
    entries(journal, dedupe).len()
}

#[actix::test]
async fn listener_journals_acks_filters_and_reconnects() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let repo_url = upstream(&root.join("up"));
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ANN", "ann"));
    fake.add_channel("C1OK", "work");
    fake.add_channel("C2NO", "random");
    let model = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("First done."))
            .turn(Turn::text("Second done.")),
    );
    let fx = GatewayFixture::new(root);
    let gateway = fx.start_with(
        &slack_yaml(&repo_url, &fake.api_url()),
        &model.container_base_url(),
        Arc::new(ProductionChannels),
    );
    live_repo(&gateway, REPO).await;
    assert!(fake.wait_connected_async(1, WAIT).await, "never connected");
    let journal = IntakeJournal::new(fx.store.clone());

    // A DM with two files of the same name is journaled, then acknowledged;
    // the files are staged under unique names.
    let first = fake.add_file("F1", "notes.txt", b"first file");
    let second = fake.add_file("F2", "notes.txt", b"second file");
    let dm = fake.user_message(
        UserMessage::dm("U1ANN", "D1ANN", "please fix the README &amp; <@U1ANN>")
            .with_file(first)
            .with_file(second),
    );
    assert!(fake.wait_acked_async(&dm, WAIT).await, "DM never acked");
    let dedupe = format!("slack:D1ANN:{}", dm.ts);
    let found = entries(&journal, &dedupe);
    assert_eq!(found.len(), 1);
    let message = &found[0].message;
    assert_eq!(message.body, "please fix the README & @ann");
    assert_eq!(message.sender.id, "U1ANN");
    assert_eq!(
        message.thread_key, dedupe,
        "a top-level DM roots its thread"
    );
    let files: Vec<(String, Vec<u8>)> = message
        .attachments
        .iter()
        .map(|a| (a.name.clone(), std::fs::read(&a.path).expect("staged file")))
        .collect();
    assert_eq!(
        files,
        vec![
            ("notes.txt".to_string(), b"first file".to_vec()),
            ("notes-1.txt".to_string(), b"second file".to_vec()),
        ]
    );

    // Slack's retry of the same event: acknowledged, not journaled again.
    let retry = fake.redeliver(&dm);
    assert!(
        fake.wait_acked_async(&retry, WAIT).await,
        "retry never acked"
    );
    assert_eq!(journaled(&journal, &dedupe), 1);

    // A bot's post and a mention in a channel outside the allowlist are
    // acknowledged (Slack must not retry them) and leave no trace.
    let bot = fake.user_message(UserMessage {
        bot_id: Some("B9OTHER".into()),
        subtype: Some("bot_message".into()),
        ..UserMessage::dm("U1ANN", "D1ANN", "I am a bot")
    });
    let elsewhere = fake.user_message(UserMessage::mention("U1ANN", "C2NO", "do something"));
    assert!(
        fake.wait_acked_async(&bot, WAIT).await,
        "bot message never acked"
    );
    assert!(
        fake.wait_acked_async(&elsewhere, WAIT).await,
        "mention never acked"
    );
    for (d, channel) in [(&bot, "D1ANN"), (&elsewhere, "C2NO")] {
        assert_eq!(journaled(&journal, &format!("slack:{channel}:{}", d.ts)), 0);
    }
    let touched_c2 = fake
        .all_calls()
        .into_iter()
        .filter(|(_, args)| args.to_string().contains("C2NO"))
        .map(|(method, _)| method)
        .collect::<Vec<_>>();
    assert!(touched_c2.is_empty(), "calls about C2NO: {touched_c2:?}");

    // A dropped connection is reported and comes back; messages flow again.
    let opened = fake.connections_opened();
    fake.drop_connections();
    let waited = tokio::time::Instant::now();
    while fake.connections_opened() <= opened || fake.connected() < 1 {
        assert!(waited.elapsed() < WAIT, "never reconnected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = fake.user_message(UserMessage::dm("U1ANN", "D2ANN", "and another thing"));
    assert!(
        fake.wait_acked_async(&after, WAIT).await,
        "DM after reconnect never acked"
    );
    assert_eq!(journaled(&journal, &format!("slack:D2ANN:{}", after.ts)), 1);
    let health: Vec<(String, Option<String>)> = fx
        .events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::ChannelHealth {
                channel,
                state,
                error,
                ..
            } if channel == "slack" => Some((state, error)),
            _ => None,
        })
        .collect();
    let degraded = health
        .iter()
        .position(|(state, _)| state == "degraded")
        .unwrap_or_else(|| panic!("no degraded health: {health:?}"));
    assert!(
        health[degraded..]
            .iter()
            .any(|(state, _)| state == "connected"),
        "not connected again: {health:?}"
    );
    assert!(
        health.iter().all(|(_, e)| e
            .as_deref()
            .is_none_or(|e| !e.contains(BOT_TOKEN) && !e.contains(APP_TOKEN))),
        "a token in a health event"
    );
    assert!(
        fake.auth_failures().is_empty(),
        "{:?}",
        fake.auth_failures()
    );
}

/// Waits until every envelope of `d` (an `app_mention` brings a `message`
/// too) is acknowledged.
async fn all_acked(fake: &FakeSlack, d: &Delivery) -> bool {
    let mut envelopes = vec![d.clone()];
    envelopes.extend(d.also.iter().map(|id| Delivery {
        envelope_id: id.clone(),
        also: Vec::new(),
        ..d.clone()
    }));
    for e in &envelopes {
        if !fake.wait_acked_async(e, WAIT).await {
            return false;
        }
    }
    true
}

fn rejections(fx: &GatewayFixture) -> Vec<(String, String)> {
    fx.events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::MessageRejected {
                channel,
                sender,
                kind,
                ..
            } if channel == "slack" => Some((sender, kind)),
            _ => None,
        })
        .collect()
}

#[actix::test]
async fn threads_replay_and_stick_rejections_are_typed_and_foreign_hosts_get_no_token() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let repo_url = upstream(&root.join("up"));
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ANN", "ann"));
    fake.add_user(FakeUser::member("U6BOB", "bob"));
    fake.add_user(FakeUser::deactivated("U2GONE", "gone"));
    fake.add_user(FakeUser::external("U3EXT", "ext", "T9OTHER"));
    fake.add_user(FakeUser::bot("U4BOT", "robot"));
    fake.add_user(FakeUser::guest("U5GUEST", "guest"));
    fake.add_channel("C1OK", "work");
    let model = ModelServer::start_for_containers(Script::new());
    let fx = GatewayFixture::new(root);
    let gateway = fx.start_with(
        &slack_yaml(&repo_url, &fake.api_url()),
        &model.container_base_url(),
        Arc::new(ProductionChannels),
    );
    live_repo(&gateway, REPO).await;
    assert!(fake.wait_connected_async(1, WAIT).await, "never connected");
    let journal = IntakeJournal::new(fx.store.clone());

    // The bot is first mentioned inside an existing thread: the earlier
    // messages come along as background, and the mention's two events
    // (`app_mention` and `message`) are journaled once.
    let root_ts = fake.seed_message(UserMessage::plain("U6BOB", "C1OK", "the build is red"));
    fake.seed_message(UserMessage {
        bot_id: Some("B4".into()),
        subtype: Some("bot_message".into()),
        ..UserMessage::plain("U4BOT", "C1OK", "bot noise").in_thread(&root_ts)
    });
    let mention = fake.user_message(
        UserMessage::mention("U1ANN", "C1OK", "please look <@U6BOB>").in_thread(&root_ts),
    );
    assert!(all_acked(&fake, &mention).await, "mention not acked");
    let found = entries(&journal, &format!("slack:C1OK:{}", mention.ts));
    assert_eq!(found.len(), 1);
    let first = &found[0];
    assert_eq!(first.message.thread_key, format!("slack:C1OK:{root_ts}"));
    let body = &first.message.body;
    assert!(body.contains("[bob]: the build is red"), "{body}");
    assert!(!body.contains("bot noise"), "{body}");
    assert!(body.ends_with("please look @bob"), "{body}");

    // A follow-up without a mention in that thread sticks to it; one in
    // no engaged thread is ignored.
    let follow = fake.user_message(
        UserMessage::plain("U6BOB", "C1OK", "also check the tests").in_thread(&root_ts),
    );
    let stray = fake.user_message(UserMessage::plain("U6BOB", "C1OK", "lunch?"));
    assert!(all_acked(&fake, &follow).await, "follow-up not acked");
    assert!(all_acked(&fake, &stray).await, "stray message not acked");
    let follow_entries = entries(&journal, &format!("slack:C1OK:{}", follow.ts));
    assert_eq!(follow_entries.len(), 1, "sticky follow-up not journaled");
    assert_eq!(follow_entries[0].conversation_id, first.conversation_id);
    assert_eq!(journaled(&journal, &format!("slack:C1OK:{}", stray.ts)), 0);

    // Refusals are silent, acknowledged, and typed on the dashboard.
    for (user, dm) in [
        ("U2GONE", "D2"),
        ("U3EXT", "D3"),
        ("U4BOT", "D4"),
        ("U5GUEST", "D5"),
        ("U9NOBODY", "D9"),
    ] {
        let d = fake.user_message(UserMessage::dm(user, dm, "let me in"));
        assert!(all_acked(&fake, &d).await, "{user} not acked");
        assert_eq!(journaled(&journal, &format!("slack:{dm}:{}", d.ts)), 0);
    }
    let mut kinds = rejections(&fx);
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("U9NOBODY".to_string(), "unknown_user".to_string()),
            ("ext <U3EXT>".to_string(), "external".to_string()),
            ("gone <U2GONE>".to_string(), "deactivated".to_string()),
            ("guest <U5GUEST>".to_string(), "unauthorized".to_string()),
            ("robot <U4BOT>".to_string(), "bot".to_string()),
        ]
    );

    // A new assistant thread is greeted once, with a status first.
    let opened = fake.assistant_thread_started("U1ANN", "D1ANN");
    assert!(all_acked(&fake, &opened).await, "thread start not acked");
    let retry = fake.redeliver(&opened);
    assert!(
        all_acked(&fake, &retry).await,
        "thread start retry not acked"
    );
    let greetings: Vec<_> = fake
        .calls("chat.postMessage")
        .into_iter()
        .filter(|args| args["thread_ts"] == opened.thread_ts.as_str())
        .collect();
    assert_eq!(greetings.len(), 1, "{greetings:?}");
    assert_eq!(greetings[0]["text"], "Hello! How can I help you today?");
    assert!(
        fake.calls("assistant.threads.setStatus")
            .iter()
            .any(|args| args["thread_ts"] == opened.thread_ts.as_str())
    );

    // A file on a host that is neither Slack's nor the API's is not
    // fetched: the bot token never leaves for it.
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    foreign.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}/steal/x.txt", foreign.local_addr().expect("addr"));
    let file = serde_json::json!({"id": "F9", "name": "x.txt", "url_private": url,
        "url_private_download": url});
    // and a file Slack answers with its sign-in page (status 200): not
    // saved as the file; both are named to the agent with the reason
    let refused = fake.add_refused_file("F8", "report.pdf");
    let d = fake.user_message(
        UserMessage::dm("U1ANN", "D1ANN", "see file")
            .with_file(file)
            .with_file(refused),
    );
    assert!(all_acked(&fake, &d).await, "file DM not acked");
    let found = entries(&journal, &format!("slack:D1ANN:{}", d.ts));
    assert_eq!(found.len(), 1);
    assert!(found[0].message.attachments.is_empty());
    let body = &found[0].message.body;
    assert!(body.starts_with("see file"), "{body}");
    assert!(
        body.contains("[Files that could not be received: x.txt (refusing to download"),
        "{body}"
    );
    assert!(
        body.contains("report.pdf (Slack sent a web page instead of the file"),
        "{body}"
    );
    assert!(
        matches!(foreign.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the foreign host was contacted"
    );
}

/// A bot token Slack refuses fails the repo's start with an error naming
/// the key (shown on the dashboard, retried with backoff), and never opens
/// a Socket Mode connection that would refuse every message later.
#[actix::test]
async fn a_refused_bot_token_fails_the_repo_start_naming_the_key() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let repo_url = upstream(&root.join("up"));
    let fake = FakeSlack::start();
    let yaml = slack_yaml(&repo_url, &fake.api_url()).replace(BOT_TOKEN, "xoxb-revoked-0000");
    let fx = GatewayFixture::new(root);
    let gateway = fx.start_with(&yaml, "http://127.0.0.1:9", Arc::new(ProductionChannels));
    let failed = wait_repo(&gateway, REPO, WAIT, |s| {
        matches!(s, RepoStatus::Failed { .. })
    })
    .await;
    let RepoStatus::Failed { error, .. } = failed else {
        unreachable!("waited for Failed");
    };
    assert!(error.contains("invalid_auth"), "{error}");
    assert!(error.contains("repos.slk.slack.bot_token"), "{error}");
    assert!(!error.contains("xoxb-revoked"), "the token leaked: {error}");
    assert_eq!(fake.connections_opened(), 0);
    gateway.send(Shutdown).await.expect("shutdown");
}

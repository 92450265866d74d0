//! The Slack channel end to end: a real gateway (real sandbox, Claude Code
//! on the scripted model) whose repo has a `slack:` block pointed at the
//! fake Slack (tests/support/fake_slack), which speaks Slack's Web API and
//! Socket Mode. People's messages go in as Slack delivers them; what the
//! bot did is read back from the fake's threads, calls and uploads.
//! Several checks share one gateway start: each start costs an image check
//! and each Claude run a second or two.

mod support;

use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use airut_actors::channel::slack::SlackChannelFactory;
use airut_actors::channel::slack::intake::GREETING;
use airut_actors::gateway::{Gateway, Shutdown};
use airut_actors::hub::GatewayEvent;
use airut_testkit::model_server::{ApiError, ModelServer, Script, ToolUse, Turn};
use serde_json::Value;
use support::fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, FakeUser, UserMessage};
use support::gateway_fixture::{GatewayFixture, MODEL, live_repo, upstream};

const WAIT: Duration = Duration::from_secs(120);
const ACK_TEXT: &str = "started working on this";

/// `rules`: the `authorized` list, one `- rule` per entry;
/// `allowed`: channel ids for `allowed_channels` (empty: key absent).
fn yaml(url: &str, fake: &FakeSlack, rules: &[&str], allowed: &[&str]) -> String {
    let rules: String = rules.iter().map(|r| format!("        - {r}\n")).collect();
    let allowed = if allowed.is_empty() {
        String::new()
    } else {
        format!("      allowed_channels: [{}]\n", allowed.join(", "))
    };
    format!(
        "config_version: 5\nexecution:\n  max_concurrent: 3\n  shutdown_timeout: 10\ndashboard:\n  enabled: false\n\
         repos:\n  alpha:\n    repo_url: {url}\n    model: {MODEL}\n    network:\n      sandbox_enabled: false\n    \
         slack:\n      bot_token: {BOT_TOKEN}\n      app_token: {APP_TOKEN}\n      api_url: {api}\n      \
         authorized:\n{rules}{allowed}    secrets:\n      ANTHROPIC_API_KEY: test-key\n",
        api = fake.api_url(),
    )
}

struct Running {
    _dir: tempfile::TempDir,
    fx: GatewayFixture,
    gateway: Addr<Gateway>,
    model: ModelServer,
}

/// A gateway with one repo on Slack, its socket connected to `fake`.
async fn start(fake: &FakeSlack, script: Script, rules: &[&str], allowed: &[&str]) -> Running {
    // As `main` does: two providers are in the tree (DESIGN §8).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(script);
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml(&url, fake, rules, allowed),
        &model.container_base_url(),
        Arc::new(SlackChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    assert!(
        fake.wait_connected_async(1, WAIT).await,
        "the Slack channel never opened a Socket Mode connection"
    );
    Running {
        _dir: dir,
        fx,
        gateway,
        model,
    }
}

fn text(m: &Value) -> String {
    m["text"].as_str().unwrap_or_default().to_owned()
}

/// The bot's posts in a thread once one satisfies `want`.
async fn wait_post(
    fake: &FakeSlack,
    channel: &str,
    thread: &str,
    want: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let started = tokio::time::Instant::now();
    loop {
        let posts = fake.bot_posts(channel, thread);
        if posts.iter().any(&want) {
            return posts;
        }
        assert!(
            started.elapsed() < WAIT,
            "no such post in {channel}/{thread}: {:#?}",
            posts.iter().map(text).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_reply(fake: &FakeSlack, channel: &str, thread: &str, starts: &str) -> Vec<Value> {
    wait_post(fake, channel, thread, |m| text(m).starts_with(starts)).await
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let started = tokio::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < WAIT, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (conversation, outcome, replied) of every finished task, in order.
fn finished(fx: &GatewayFixture) -> Vec<(String, String, bool)> {
    fx.events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::TaskFinished {
                task,
                outcome,
                replied,
                ..
            } => Some((task.conversation_id.to_string(), outcome, replied)),
            _ => None,
        })
        .collect()
}

fn rejections(fx: &GatewayFixture) -> Vec<(String, String)> {
    fx.events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::MessageRejected { sender, kind, .. } => Some((sender, kind)),
            _ => None,
        })
        .collect()
}

fn count_acks(posts: &[Value]) -> usize {
    posts.iter().filter(|m| text(m).contains(ACK_TEXT)).count()
}

/// Agents & AI Apps DM: greeting, acknowledgement, files to /inbox (two of
/// the same name), plan posted then edited, outbox file uploaded byte-exact,
/// answer in the thread, title set; a redelivery is dropped; the second
/// message continues the session and does not upload the file again.
#[actix::test]
async fn a_dm_thread_is_answered_with_files_plan_and_title_and_continues() {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 13 % 256) as u8).collect();
    let script = Script::new()
        .turn(
            Turn::tool(ToolUse::bash(
                "cat /inbox/notes.txt /inbox/notes-1.txt && cp /inbox/data.bin /outbox/copy.bin",
            ))
            .expect_contains("Fix the build please."),
        )
        .turn(
            Turn::tool(ToolUse::todo_write(&[
                ("Read the notes", "completed"),
                ("Fix the build", "in_progress"),
            ]))
            .expect_tool_result_contains("first notes"),
        )
        .turn(
            Turn::tool(ToolUse::todo_write(&[
                ("Read the notes", "completed"),
                ("Fix the build", "completed"),
            ]))
            .expect_tool_results(),
        )
        .turn(Turn::text("The build is fixed.").expect_tool_results())
        .turn(Turn::text("It was the linker.").expect_contains("What was wrong?"));
    // As Slack does, the bot's own posts come back as events.
    fake.set_echo_bot_messages(true);
    let run = start(&fake, script, &["workspace_members: true"], &[]).await;

    let started = fake.assistant_thread_started("U1ALICE", "D1ALICE");
    let thread = started.thread_ts.clone();
    wait_post(&fake, "D1ALICE", &thread, |m| text(m) == GREETING).await;

    let notes = fake.add_file("F1NOTES", "notes.txt", b"first notes\n");
    let more = fake.add_file("F2NOTES", "notes.txt", b"second notes\n");
    let blob = fake.add_file("F3DATA", "data.bin", &data);
    let first = fake.user_message(
        UserMessage::dm("U1ALICE", "D1ALICE", "Fix the build please.")
            .in_thread(&thread)
            .with_file(notes)
            .with_file(more)
            .with_file(blob),
    );
    let posts = wait_reply(&fake, "D1ALICE", &thread, "The build is fixed.").await;
    assert!(fake.is_acked(&first), "the envelope was never acknowledged");
    assert_eq!(count_acks(&posts), 1, "{posts:#?}");
    let ack_at = posts.iter().position(|m| text(m).contains(ACK_TEXT));
    let answer_at = posts
        .iter()
        .position(|m| text(m).starts_with("The build is fixed."));
    assert!(ack_at < answer_at, "acknowledged before the answer");
    // Everything went to the thread the person wrote in.
    for call in fake.calls("chat.postMessage") {
        assert_eq!(call["channel"], "D1ALICE");
        assert_eq!(call["thread_ts"], thread.as_str(), "{call}");
    }
    let results: Vec<String> = run
        .model
        .main_requests()
        .iter()
        .flat_map(|r| r.tool_results())
        .map(|(_, out)| out)
        .collect();
    assert!(
        results
            .iter()
            .any(|r| r.contains("first notes") && r.contains("second notes")),
        "both files named notes.txt reached /inbox: {results:?}"
    );

    // The answer's text goes first, then the outbox files.
    wait_until("the outbox upload", || !fake.uploads().is_empty()).await;
    let uploads = fake.uploads();
    assert_eq!(
        uploads.len(),
        1,
        "{:#?}",
        (
            posts.iter().map(text).collect::<Vec<_>>(),
            fake.calls("files.getUploadURLExternal"),
            fake.calls("files.completeUploadExternal"),
            &results,
        )
    );
    assert_eq!(uploads[0].name, "copy.bin");
    assert!(
        uploads[0].bytes == data,
        "the outbox file changed on the way"
    );
    assert_eq!(uploads[0].channel.as_deref(), Some("D1ALICE"));
    assert_eq!(uploads[0].thread_ts.as_deref(), Some(thread.as_str()));

    // The task is recorded as succeeded and answered; its workspace is a
    // git checkout; the uploaded file left the outbox.
    wait_until("the task's end", || !finished(&run.fx).is_empty()).await;
    let (conversation, outcome, replied) = finished(&run.fx).remove(0);
    assert_eq!((outcome.as_str(), replied), ("success", true));
    let conversation_dir = run
        .fx
        .state_dir()
        .join("alpha")
        .join("conversations")
        .join(&conversation);
    assert!(conversation_dir.join("workspace").join(".git").exists());
    let outbox = conversation_dir.join("outbox");
    wait_until("an empty outbox", || {
        std::fs::read_dir(&outbox).map_or(true, |mut d| d.next().is_none())
    })
    .await;

    let plan = fake
        .calls("chat.postMessage")
        .into_iter()
        .find(|c| c["blocks"].is_array())
        .expect("the plan was posted with blocks");
    let plan_text = plan.to_string();
    assert!(
        plan_text.contains("Read the notes") && plan_text.contains("Fix the build"),
        "{plan}"
    );
    let plan_ts = posts
        .iter()
        .find(|m| m["blocks"].is_array())
        .map(|m| m["ts"].clone())
        .expect("the plan message is in the thread");
    wait_until("the plan's edit", || {
        fake.calls("chat.update").iter().any(|u| u["ts"] == plan_ts)
    })
    .await;
    let edited = fake
        .message("D1ALICE", plan_ts.as_str().unwrap_or_default())
        .expect("plan message");
    assert_ne!(
        edited["blocks"], plan["blocks"],
        "the edit changed the plan"
    );

    let titles = fake.calls("assistant.threads.setTitle");
    assert!(
        titles.iter().any(|t| t["channel_id"] == "D1ALICE"
            && t["thread_ts"] == thread.as_str()
            && t["title"].as_str().is_some_and(|s| !s.is_empty())),
        "{titles:?}"
    );
    assert!(!fake.calls("assistant.threads.setStatus").is_empty());

    // Slack retries the first message: acknowledged, not run again.
    let retry = fake.redeliver(&first);
    assert!(fake.wait_acked_async(&retry, WAIT).await);

    let second = fake
        .user_message(UserMessage::dm("U1ALICE", "D1ALICE", "What was wrong?").in_thread(&thread));
    let posts = wait_reply(&fake, "D1ALICE", &thread, "It was the linker.").await;
    assert!(fake.is_acked(&second));
    assert_eq!(count_acks(&posts), 1, "no second acknowledgement");
    assert_eq!(fake.uploads().len(), 1, "copy.bin was not uploaded again");
    run.model.assert_ok();
    assert_eq!(run.model.main_requests().len(), 5, "the retry ran no task");
    let resumed = run.model.main_requests().last().expect("request").text();
    assert!(resumed.contains("The build is fixed."), "{resumed}");
    assert!(
        fake.auth_failures().is_empty(),
        "{:?}",
        fake.auth_failures()
    );
    run.gateway.send(Shutdown).await.expect("shutdown");
}

/// The channel surface: rejected users (not allowed, bot, deactivated,
/// unknown) and ignored events (other channel, bot message, edit, no
/// mention) get no answer and start no task; a mention is answered with
/// 👀 → ✅; the thread stays engaged without a new mention; the `user_id`
/// rule admits its user; a mention inside an existing thread replays its
/// history with its file in /inbox.
#[actix::test]
async fn channel_mentions_follow_the_rules_and_threads_stay_engaged() {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    fake.add_user(FakeUser::member("U4BOB", "bob"));
    fake.add_user(FakeUser::member("U5CAROL", "carol"));
    fake.add_user(FakeUser::bot("U2BOT", "otherbot"));
    fake.add_user(FakeUser::deactivated("U3GONE", "gone"));
    fake.add_usergroup("S1ENG", "engineers", &["U1ALICE"]);
    fake.add_channel("C1ALLOWED", "work");
    fake.add_channel("C2OTHER", "random");
    let script = Script::new()
        .turn(Turn::text("Hi Alice.").expect_contains("Say hi."))
        .turn(Turn::text("Hi again.").expect_contains("And again."))
        .turn(Turn::text("Hi Carol.").expect_contains("Carol here."))
        .turn(
            Turn::tool(ToolUse::bash("cat /inbox/spec.txt && ls /inbox"))
                .expect_contains("We need a parser spec.")
                .expect_contains("Summarize the spec."),
        )
        .turn(Turn::text("Summarized.").expect_tool_result_contains("SPEC-BODY"));
    // The bot's own posts come back as events, in engaged threads too.
    fake.set_echo_bot_messages(true);
    let run = start(
        &fake,
        script,
        &["user_group: engineers", "user_id: U5CAROL"],
        &["C1ALLOWED"],
    )
    .await;

    let mut quiet = vec![
        fake.user_message(UserMessage::mention("U4BOB", "C1ALLOWED", "Bob asks.")),
        fake.user_message(UserMessage::mention("U2BOT", "C1ALLOWED", "Bot asks.")),
        fake.user_message(UserMessage::mention("U3GONE", "C1ALLOWED", "Gone asks.")),
        fake.user_message(UserMessage::mention("U9NOBODY", "C1ALLOWED", "Who asks.")),
        fake.user_message(UserMessage::mention("U1ALICE", "C2OTHER", "Elsewhere.")),
        fake.user_message(UserMessage::plain("U1ALICE", "C1ALLOWED", "No mention.")),
    ];
    let mut from_bot = UserMessage::mention("U1ALICE", "C1ALLOWED", "As a bot.");
    from_bot.bot_id = Some("B9OTHER".into());
    from_bot.subtype = Some("bot_message".into());
    quiet.push(fake.user_message(from_bot));
    // An edit arrives as `message_changed` wrapping the new version.
    let original = fake.seed_message(UserMessage::plain("U1ALICE", "C1ALLOWED", "Typo."));
    quiet.push(fake.deliver_event(serde_json::json!({
        "type": "message",
        "subtype": "message_changed",
        "hidden": true,
        "channel": "C1ALLOWED",
        "channel_type": "channel",
        "ts": format!("{original}1"),
        "event_ts": format!("{original}1"),
        "message": {
            "type": "message",
            "user": "U1ALICE",
            "text": format!("<@{}> Edited.", support::fake_slack::BOT_USER_ID),
            "ts": original,
            "edited": { "user": "U1ALICE", "ts": format!("{original}1") },
        },
        "previous_message": { "type": "message", "user": "U1ALICE", "text": "Typo.", "ts": original },
    })));
    for d in &quiet {
        assert!(
            fake.wait_acked_async(d, WAIT).await,
            "not acknowledged: {d:?}"
        );
    }

    let hi = fake.user_message(UserMessage::mention("U1ALICE", "C1ALLOWED", "Say hi."));
    let posts = wait_reply(&fake, "C1ALLOWED", &hi.ts, "Hi Alice.").await;
    assert_eq!(count_acks(&posts), 1, "{posts:#?}");
    let reacted = |ts: &str| -> Vec<String> {
        fake.message("C1ALLOWED", ts).expect("message")["reactions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let added: Vec<Value> = fake.calls("reactions.add");
    assert!(
        added
            .iter()
            .any(|r| r["name"] == "eyes" && r["timestamp"] == hi.ts.as_str()),
        "{added:?}"
    );
    let settled = tokio::time::timeout(WAIT, async {
        while reacted(&hi.ts) != vec!["white_check_mark".to_owned()] {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(settled.is_ok(), "👀 → ✅: {:?}", reacted(&hi.ts));

    // Sticky: no mention needed in an engaged thread.
    fake.user_message(UserMessage::plain("U1ALICE", "C1ALLOWED", "And again.").in_thread(&hi.ts));
    let posts = wait_reply(&fake, "C1ALLOWED", &hi.ts, "Hi again.").await;
    assert_eq!(count_acks(&posts), 1, "same conversation, no new ack");

    let carol = fake.user_message(UserMessage::mention("U5CAROL", "C1ALLOWED", "Carol here."));
    wait_reply(&fake, "C1ALLOWED", &carol.ts, "Hi Carol.").await;

    // Mentioned into a thread that already has history and a file.
    let root = fake.seed_message(UserMessage::plain(
        "U4BOB",
        "C1ALLOWED",
        "We need a parser spec.",
    ));
    let spec = fake.add_file("F1SPEC", "spec.txt", b"SPEC-BODY v1\n");
    fake.seed_message(
        UserMessage::plain("U4BOB", "C1ALLOWED", "Here it is.")
            .in_thread(&root)
            .with_file(spec),
    );
    // A file hosted elsewhere must not get the bot token.
    let elsewhere = fake.add_foreign_file("F9EVIL", "evil.txt", b"EVIL-BODY\n");
    fake.user_message(
        UserMessage::mention("U1ALICE", "C1ALLOWED", "Summarize the spec.")
            .in_thread(&root)
            .with_file(elsewhere),
    );
    wait_reply(&fake, "C1ALLOWED", &root, "Summarized.").await;
    assert!(
        !fake.calls("conversations.replies").is_empty(),
        "the history was read"
    );
    assert!(
        !fake.calls("files-pri").is_empty(),
        "the file was downloaded"
    );
    let listing: Vec<String> = run
        .model
        .main_requests()
        .iter()
        .flat_map(|r| r.tool_results())
        .map(|(_, out)| out)
        .filter(|out| out.contains("SPEC-BODY"))
        .collect();
    assert!(
        listing.len() == 1 && !listing[0].contains("evil.txt"),
        "/inbox holds the thread's file and not the foreign one: {listing:?}"
    );
    assert!(
        fake.foreign_requests().iter().all(|(_, token)| !token),
        "the bot token went to a foreign host: {:?}",
        fake.foreign_requests()
    );

    run.model.assert_ok();
    assert_eq!(
        run.model.main_requests().len(),
        5,
        "only accepted messages ran"
    );
    for d in &quiet {
        assert!(
            fake.bot_posts(&d.channel, &d.thread_ts).is_empty(),
            "answered a message that should be ignored: {d:?}"
        );
    }
    // Each refusal is on the dashboard once, with its reason, although a
    // mention arrives twice (as `app_mention` and as `message`).
    let mut rejected = rejections(&run.fx);
    rejected.sort();
    let expected = [
        ("U9NOBODY", "unknown_user"),
        ("bob <U4BOB>", "unauthorized"),
        ("gone <U3GONE>", "deactivated"),
        ("otherbot <U2BOT>", "bot"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(s, k)| (s.to_string(), k.to_string()))
        .collect();
    assert_eq!(rejected, expected);
    assert!(
        fake.auth_failures().is_empty(),
        "{:?}",
        fake.auth_failures()
    );
    run.gateway.send(Shutdown).await.expect("shutdown");
}

/// A short answer is one post; a ~70 000-character answer is split or sent
/// as a file (nothing Slack would truncate); a failed run is reported in
/// its thread.
#[actix::test]
async fn short_long_and_failed_answers() {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    let long: String = (0..7000)
        .map(|i| format!("line {i:05}\n"))
        .collect::<String>();
    assert!(long.chars().count() >= 70_000);
    let script = Script::new()
        .turn(Turn::text("Short.").expect_contains("Short please."))
        .turn(Turn::text(long.clone()).expect_contains("Long please."))
        .turn(
            Turn::text("Lost answer.")
                .delay(Duration::from_secs(2))
                .expect_contains("Lose it."),
        )
        .turn(Turn::error(ApiError::invalid_request("the model broke")).forever());
    let run = start(&fake, script, &["user_id: U1ALICE"], &[]).await;

    let short = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "Short please."));
    let posts = wait_reply(&fake, "D1ALICE", &short.ts, "Short.").await;
    let for_short = fake
        .calls("chat.postMessage")
        .into_iter()
        .filter(|c| c["thread_ts"] == short.ts.as_str())
        .count();
    assert_eq!(for_short, 2, "acknowledgement and one answer: {posts:#?}");

    let big = fake.user_message(UserMessage::dm("U1ALICE", "D2ALICE", "Long please."));
    let started = tokio::time::Instant::now();
    let delivered = loop {
        let posts = fake.bot_posts("D2ALICE", &big.ts);
        let in_posts = posts
            .iter()
            .filter(|m| text(m).contains("line 06999"))
            .count();
        let in_file = fake
            .uploads()
            .iter()
            .any(|u| String::from_utf8_lossy(&u.bytes).contains("line 06999"));
        if in_posts > 0 || in_file {
            break (posts, in_file);
        }
        assert!(started.elapsed() < WAIT, "{posts:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (posts, in_file) = delivered;
    if in_file {
        let upload = fake.uploads().into_iter().last().expect("upload");
        assert_eq!(upload.thread_ts.as_deref(), Some(big.ts.as_str()));
        let body = String::from_utf8_lossy(&upload.bytes).to_string();
        assert!(body.contains("line 00000") && body.contains("line 06999"));
    } else {
        assert!(posts.len() > 2, "split into several posts");
        let joined: String = posts.iter().map(text).collect();
        for i in [0, 3500, 6999] {
            assert!(joined.contains(&format!("line {i:05}")), "line {i} lost");
        }
    }
    for call in fake.calls("chat.postMessage") {
        assert!(
            text(&call).chars().count() <= 40_000,
            "a post Slack would truncate"
        );
        assert!(call["blocks"].is_null(), "a plan without TodoWrite: {call}");
    }

    // Slack refuses the answer's post: the task ends as not replied.
    let lost = fake.user_message(UserMessage::dm("U1ALICE", "D4ALICE", "Lose it."));
    wait_post(&fake, "D4ALICE", &lost.ts, |m| text(m).contains(ACK_TEXT)).await;
    fake.fail_next("chat.postMessage", "fatal_error");
    let replied = || -> Vec<bool> { finished(&run.fx).into_iter().map(|f| f.2).collect() };
    wait_until("the lost answer's task end", || replied().len() == 3).await;
    assert_eq!(replied(), vec![true, true, false]);
    assert!(
        fake.bot_posts("D4ALICE", &lost.ts)
            .iter()
            .all(|m| !text(m).contains("Lost answer.")),
        "the refused post is not in the thread"
    );

    let broken = fake.user_message(UserMessage::dm("U1ALICE", "D3ALICE", "Break please."));
    let posts = wait_post(&fake, "D3ALICE", &broken.ts, |m| {
        !text(m).contains(ACK_TEXT) && !text(m).is_empty()
    })
    .await;
    let report: Vec<String> = posts
        .iter()
        .map(text)
        .filter(|t| !t.contains(ACK_TEXT))
        .collect();
    assert!(
        report
            .iter()
            .any(|t| t.contains(":warning:") || t.contains("error") || t.contains("fail")),
        "{report:?}"
    );
    run.gateway.send(Shutdown).await.expect("shutdown");
}

/// The Socket Mode connection drops while a task runs: the channel reports
/// degraded, reconnects, the running task's answer still arrives, and a
/// message sent during the outage is delivered and answered.
#[actix::test]
async fn a_dropped_connection_loses_nothing() {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    let script = Script::new()
        .turn(
            Turn::text("Slow answer.")
                .delay(Duration::from_secs(3))
                .expect_contains("Take your time."),
        )
        .turn(Turn::text("Second answer.").expect_contains("While you were away."))
        .turn(Turn::text("Third answer.").expect_contains("After the refresh."));
    let run = start(&fake, script, &["workspace_members: true"], &[]).await;

    let slow = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "Take your time."));
    wait_post(&fake, "D1ALICE", &slow.ts, |m| text(m).contains(ACK_TEXT)).await;
    // Mid-task: Claude is waiting on the (slow) model.
    wait_until("the first model request", || {
        !run.model.main_requests().is_empty()
    })
    .await;
    let opened = fake.connections_opened();
    fake.drop_connections();
    let away = fake.user_message(UserMessage::dm(
        "U1ALICE",
        "D2ALICE",
        "While you were away.",
    ));
    wait_reply(&fake, "D1ALICE", &slow.ts, "Slow answer.").await;
    wait_reply(&fake, "D2ALICE", &away.ts, "Second answer.").await;
    assert!(fake.connections_opened() > opened, "reconnected");
    assert!(fake.is_acked(&away));
    let states: Vec<String> = run
        .fx
        .events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::ChannelHealth { channel, state, .. } if channel == "slack" => Some(state),
            _ => None,
        })
        .collect();
    let degraded = states
        .iter()
        .position(|s| s == "degraded")
        .unwrap_or_else(|| panic!("no degraded state reported: {states:?}"));
    assert!(
        states[degraded..].iter().any(|s| s == "connected"),
        "{states:?}"
    );

    // Slack asks for a fresh connection: the channel opens one, and the
    // next message is answered.
    let opened = fake.connections_opened();
    fake.send_disconnect("refresh_requested");
    wait_until("a new connection after `disconnect`", || {
        fake.connections_opened() > opened
    })
    .await;
    let later = fake.user_message(UserMessage::dm("U1ALICE", "D3ALICE", "After the refresh."));
    wait_reply(&fake, "D3ALICE", &later.ts, "Third answer.").await;
    run.model.assert_ok();
    run.gateway.send(Shutdown).await.expect("shutdown");
}

/// A full restart: a thread message sent while the gateway is down is
/// delivered when it reconnects, still counts as the engaged thread (no
/// mention needed), joins the same conversation and is answered in the
/// same thread with the session resumed.
#[actix::test]
async fn a_thread_continues_across_a_gateway_restart() {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    fake.add_channel("C1WORK", "work");
    let script = Script::new()
        .turn(Turn::text("Noted: PAPAYA.").expect_contains("Remember PAPAYA."))
        .turn(Turn::text("It was PAPAYA.").expect_contains("Which word?"));
    let run = start(&fake, script, &["workspace_members: true"], &[]).await;
    let first = fake.user_message(UserMessage::mention(
        "U1ALICE",
        "C1WORK",
        "Remember PAPAYA.",
    ));
    wait_reply(&fake, "C1WORK", &first.ts, "Noted: PAPAYA.").await;
    wait_until("the first task's end", || finished(&run.fx).len() == 1).await;
    run.gateway.send(Shutdown).await.expect("shutdown");
    let Running {
        _dir,
        fx,
        gateway,
        model,
    } = run;
    drop(gateway);
    wait_until("the socket closed", || fake.connected() == 0).await;

    let opened = fake.connections_opened();
    let later = fake
        .user_message(UserMessage::plain("U1ALICE", "C1WORK", "Which word?").in_thread(&first.ts));
    let yaml = std::fs::read_to_string(fx.root.join("airut.yaml")).expect("config");
    let gateway = fx.start_with(
        &yaml,
        &model.container_base_url(),
        Arc::new(SlackChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    wait_until("a new connection", || fake.connections_opened() > opened).await;
    let posts = wait_reply(&fake, "C1WORK", &first.ts, "It was PAPAYA.").await;
    assert!(fake.is_acked(&later));
    assert_eq!(count_acks(&posts), 1, "the same conversation: {posts:#?}");
    // The answer goes out before the task's end is published.
    wait_until("the second task's end", || finished(&fx).len() == 2).await;
    let ends = finished(&fx);
    assert_eq!(ends[0].0, ends[1].0, "one conversation");
    let resumed = model.main_requests().last().expect("request").text();
    assert!(resumed.contains("Noted: PAPAYA."), "{resumed}");
    model.assert_ok();
    gateway.send(Shutdown).await.expect("shutdown");
}

/// A repo with both channels: a Slack message is answered on Slack (the
/// router follows the message's channel) and the agent is told it is in
/// Slack, not email — the conversation follows its message's channel, not
/// the repo's first one. The email side stays unreachable throughout.
#[actix::test]
async fn a_repo_with_email_and_slack_answers_slack_on_slack() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Answered on Slack.").expect_contains("in Slack")),
    );
    let email = "    email:\n      account: {username: a, from: \"A <a@example.com>\", password: p}\n      \
                 imap: {server: 127.0.0.1, port: 1, tls: none}\n      \
                 smtp: {server: 127.0.0.1, port: 1, tls: none}\n      \
                 auth: {authorized_senders: [x@example.com], trusted_authserv_id: mx.example.com}\n";
    let yaml = yaml(&url, &fake, &["workspace_members: true"], &[])
        .replace("    secrets:\n", &format!("{email}    secrets:\n"));
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml,
        &model.container_base_url(),
        Arc::new(airut_actors::channel::ProductionChannels),
    );
    live_repo(&gateway, "alpha").await;
    assert!(fake.wait_connected_async(1, WAIT).await, "never connected");
    let dm = fake.user_message(UserMessage::dm(
        "U1ALICE",
        "D1ALICE",
        "Which channel is this?",
    ));
    wait_reply(&fake, "D1ALICE", &dm.ts, "Answered on Slack.").await;
    let prompt = model.main_requests().first().expect("request").text();
    assert!(!prompt.contains("by email"), "{prompt}");
    model.assert_ok();
    gateway.send(Shutdown).await.expect("shutdown");
}

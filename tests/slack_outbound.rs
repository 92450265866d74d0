//! The Slack channel's answering side (`SlackChannel`) driven directly
//! against the fake Slack, through the production Web API client: reply
//! rendering and mentions, splitting and the file fallback, outbox uploads
//! with exact bytes, the live plan (post, then edits), reactions and the DM
//! status and title.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use airut_actors::channel::slack::render::split::SplitLimits;
use airut_actors::channel::slack::{SlackApi, SlackChannel, SlackOutboundSettings};
use airut_actors::channel::{Channel, Phase, PlanItem};
use airut_actors::config::{ChannelKind, Secret};
use airut_actors::intake::{ConversationId, InboundMessage, Sender};
use serde_json::Value;
use support::fake_slack::{BOT_TOKEN, FakeSlack, FakeUser, UserMessage};

const WAIT: Duration = Duration::from_secs(20);

fn conversation() -> ConversationId {
    ConversationId::parse("c0ffee01").expect("conversation id")
}

fn channel(fake: &FakeSlack, settings: SlackOutboundSettings) -> SlackChannel {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let api = SlackApi::new(&fake.api_url(), &Secret::new(BOT_TOKEN)).expect("client");
    SlackChannel::new(api, "repo-1".into(), settings)
}

fn inbound(channel: &str, thread_ts: &str, ts: &str, surface: &str, body: &str) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Slack,
        repo_id: "repo-1".into(),
        dedupe_key: format!("slack:{channel}:{ts}"),
        thread_key: format!("slack:{channel}:{thread_ts}"),
        conversation_hint: None,
        sender: Sender {
            id: "U1ANN".into(),
            display: "Ann".into(),
        },
        received_at: "2026-05-01T10:00:00Z".parse().expect("timestamp"),
        subject: None,
        body: body.into(),
        attachments: Vec::new(),
        model_hint: None,
        reply_refs: vec![channel.into(), thread_ts.into(), ts.into(), surface.into()],
    }
}

fn fake_with_people() -> FakeSlack {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ANN", "ann"));
    fake.add_user(FakeUser::member("U2BOB", "bob"));
    fake.add_channel("C1", "general");
    fake
}

/// A mention in C1 the channel answers; returns its ts.
fn channel_message(fake: &FakeSlack, text: &str) -> String {
    fake.seed_message(UserMessage::mention("U1ANN", "C1", text))
}

/// The text of the bot's messages, file shares left out.
fn texts(posts: &[Value]) -> Vec<String> {
    posts
        .iter()
        .filter(|p| p.get("files").is_none())
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn reactions(fake: &FakeSlack, channel: &str, ts: &str) -> Vec<String> {
    fake.message(channel, ts)
        .and_then(|m| m["reactions"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect()
}

fn item(content: &str, status: &str) -> PlanItem {
    PlanItem {
        content: content.into(),
        status: status.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_answer_with_mentions_files_and_reactions() {
    let fake = fake_with_people();
    let ts = channel_message(&fake, "please look");
    let slack = channel(
        &fake,
        SlackOutboundSettings {
            dashboard_url: Some("https://airut.example".into()),
            ..SlackOutboundSettings::default()
        },
    );
    let id = conversation();
    slack
        .remember_origin(&id, &inbound("C1", &ts, &ts, "channel", "please look"))
        .await
        .expect("origin");
    slack.acknowledge(&id, "opus").await.expect("acknowledge");
    slack
        .report_phase(&id, Phase::Preparing)
        .await
        .expect("preparing");
    assert_eq!(reactions(&fake, "C1", &ts), vec!["eyes"]);
    assert_eq!(fake.calls("reactions.add").len(), 1, "👀 added once");

    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    std::fs::write(&report, &bytes).expect("outbox file");
    let answer = "Done, @ann — and **not** @here or <!channel>.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n— opus · 1.0 s";
    slack.reply(&id, answer, &[report]).await.expect("reply");
    slack
        .report_phase(&id, Phase::Completed)
        .await
        .expect("completed");

    let posts = texts(&fake.bot_posts("C1", &ts));
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts[0].starts_with("I've started working on this")
            && posts[0].contains("https://airut.example/conversation/c0ffee01"),
        "{}",
        posts[0]
    );
    let reply = &posts[1];
    assert!(reply.starts_with("Done, <@U1ANN>"), "{reply}");
    assert!(reply.contains("*not* @\u{200B}here"), "{reply}");
    assert!(!reply.contains("<!channel>"), "{reply}");
    assert!(reply.contains("```\n| a   | b   |"), "{reply}");
    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].name, "report.bin");
    assert_eq!(uploads[0].bytes, bytes, "exact bytes");
    assert_eq!(uploads[0].channel.as_deref(), Some("C1"));
    assert_eq!(uploads[0].thread_ts.as_deref(), Some(ts.as_str()));
    assert_eq!(reactions(&fake, "C1", &ts), vec!["white_check_mark"]);
    assert!(
        fake.auth_failures().is_empty(),
        "{:?}",
        fake.auth_failures()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_answers_split_and_past_the_limit_become_a_file() {
    let fake = fake_with_people();
    let ts = channel_message(&fake, "long please");
    let slack = channel(
        &fake,
        SlackOutboundSettings {
            limits: SplitLimits {
                max_chars: 200,
                max_messages: 3,
            },
            ..SlackOutboundSettings::default()
        },
    );
    let id = conversation();
    slack
        .remember_origin(&id, &inbound("C1", &ts, &ts, "channel", "long please"))
        .await
        .expect("origin");

    // a code block across the cut is closed and opened again
    let code: String = (0..12).map(|i| format!("let value_{i} = {i};\n")).collect();
    let medium = format!("Here:\n\n```\n{code}```");
    slack.reply(&id, &medium, &[]).await.expect("reply");
    let posts = texts(&fake.bot_posts("C1", &ts));
    assert!(posts.len() >= 2 && posts.len() <= 3, "{posts:?}");
    for post in &posts {
        assert!(post.chars().count() <= 200, "{post}");
        assert_eq!(post.matches("```").count() % 2, 0, "{post}");
    }
    assert!(fake.uploads().is_empty());

    let long = format!("{}\n\n— opus · 2.0 s", "word ".repeat(400));
    slack.reply(&id, &long, &[]).await.expect("reply");
    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].name, "response.md");
    assert_eq!(uploads[0].title.as_deref(), Some("Response"));
    assert_eq!(
        String::from_utf8_lossy(&uploads[0].bytes),
        "word ".repeat(400).trim_end(),
        "the Markdown answer, without the footer"
    );
    let note = uploads[0]
        .initial_comment
        .clone()
        .expect("the note shares the file");
    assert!(
        note.contains("response.md") && note.ends_with("— opus · 2.0 s"),
        "{note}"
    );

    // when the file cannot be uploaded the whole answer comes as messages
    let before = texts(&fake.bot_posts("C1", &ts)).len();
    fake.fail_next("files.getUploadURLExternal", "internal_error");
    slack.reply(&id, &long, &[]).await.expect("reply");
    let posts = texts(&fake.bot_posts("C1", &ts));
    let fallback = &posts[before..];
    assert!(fallback.len() > 3, "{fallback:?}");
    let words: usize = fallback.iter().map(|p| p.matches("word").count()).sum();
    assert_eq!(words, 400, "nothing lost");
    assert_eq!(fake.uploads().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_is_noted_in_the_thread() {
    let fake = fake_with_people();
    let ts = channel_message(&fake, "files");
    let slack = channel(&fake, SlackOutboundSettings::default());
    let id = conversation();
    slack
        .remember_origin(&id, &inbound("C1", &ts, &ts, "channel", "files"))
        .await
        .expect("origin");
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("a.txt");
    std::fs::write(&good, b"alpha").expect("file");
    let gone: PathBuf = dir.path().join("vanished.txt");
    fake.fail_next("files.completeUploadExternal", "internal_error");
    let bad = dir.path().join("b.txt");
    std::fs::write(&bad, b"beta").expect("file");
    slack
        .reply(&id, "Files attached.", &[bad, good, gone])
        .await
        .expect("the answer went out");
    let uploads = fake.uploads();
    let names: Vec<&str> = uploads.iter().map(|u| u.name.as_str()).collect();
    assert!(names.contains(&"a.txt"), "{names:?}");
    let posts = texts(&fake.bot_posts("C1", &ts));
    assert_eq!(posts[0], "Files attached.");
    assert_eq!(
        posts.last().map(String::as_str),
        Some(":warning: Could not upload 2 files: `b.txt`, `vanished.txt`")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_is_posted_once_then_edited() {
    let fake = fake_with_people();
    let ts = channel_message(&fake, "plan");
    let slack = channel(
        &fake,
        SlackOutboundSettings {
            plan_debounce: Duration::from_millis(300),
            ..SlackOutboundSettings::default()
        },
    );
    let id = conversation();
    slack
        .remember_origin(&id, &inbound("C1", &ts, &ts, "channel", "plan"))
        .await
        .expect("origin");
    let first = [item("Read", "in_progress"), item("Write", "pending")];
    let second = [item("Read", "completed"), item("Write", "in_progress")];
    let third = [item("Read", "completed"), item("Write", "completed")];
    slack.plan_update(&id, &first).await.expect("first");
    // within the debounce: held back, then sent by the trailing timer
    slack.plan_update(&id, &second).await.expect("second");
    let plan_posts = fake.bot_posts("C1", &ts);
    assert_eq!(plan_posts.len(), 1, "one plan message");
    let plan_ts = plan_posts[0]["ts"].as_str().expect("ts").to_string();
    assert!(
        plan_posts[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("🔄  Read"))
    );
    let edited = fake
        .wait_call_async(
            "chat.update",
            |a| a["text"].as_str().is_some_and(|t| t.contains("✅  Read")),
            WAIT,
        )
        .await
        .expect("the held-back plan is sent without another update");
    assert_eq!(edited["ts"].as_str(), Some(plan_ts.as_str()));

    slack.plan_update(&id, &third).await.expect("third");
    slack.reply(&id, "All done.", &[]).await.expect("reply");
    let plan = fake.message("C1", &plan_ts).expect("plan message");
    let blocks = plan["blocks"].to_string();
    assert!(
        blocks.contains("(2/2 done)"),
        "the last list shows: {blocks}"
    );
    let posts = texts(&fake.bot_posts("C1", &ts));
    assert_eq!(posts.len(), 2, "plan and answer: {posts:?}");
    assert_eq!(posts[1], "All done.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plan_message_without_todos() {
    let fake = fake_with_people();
    let ts = channel_message(&fake, "no plan");
    let slack = channel(&fake, SlackOutboundSettings::default());
    let id = conversation();
    slack
        .remember_origin(&id, &inbound("C1", &ts, &ts, "channel", "no plan"))
        .await
        .expect("origin");
    slack.plan_update(&id, &[]).await.expect("empty list");
    slack.reply(&id, "Answer.", &[]).await.expect("reply");
    assert_eq!(texts(&fake.bot_posts("C1", &ts)), vec!["Answer."]);
    assert!(fake.calls("chat.update").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_posted_and_marked_failed() {
    let fake = fake_with_people();
    let ts = channel_message(&fake, "break");
    let slack = channel(&fake, SlackOutboundSettings::default());
    let id = conversation();
    slack
        .remember_origin(&id, &inbound("C1", &ts, &ts, "channel", "break"))
        .await
        .expect("origin");
    slack
        .report_phase(&id, Phase::Preparing)
        .await
        .expect("preparing");
    slack
        .error_reply(&id, "The task could not run: <@U2BOB> boom")
        .await
        .expect("error posted");
    slack
        .report_phase(&id, Phase::Failed)
        .await
        .expect("failed");
    let posts = texts(&fake.bot_posts("C1", &ts));
    assert_eq!(
        posts,
        vec![":warning: The task could not run: &lt;@U2BOB&gt; boom"]
    );
    assert_eq!(reactions(&fake, "C1", &ts), vec!["x"]);

    // a reply that cannot be posted is an error for the core
    fake.fail_next("chat.postMessage", "channel_not_found");
    assert!(slack.reply(&id, "lost", &[]).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_threads_get_a_title_and_a_status_while_preparing() {
    let fake = fake_with_people();
    let ts = fake.seed_message(UserMessage::dm(
        "U1ANN",
        "D1ANN",
        "Fix the flaky build\nmore",
    ));
    let slack = channel(&fake, SlackOutboundSettings::default());
    let id = conversation();
    slack
        .remember_origin(
            &id,
            &inbound("D1ANN", &ts, &ts, "dm", "Fix the flaky build\nmore"),
        )
        .await
        .expect("origin");
    slack
        .report_phase(&id, Phase::Preparing)
        .await
        .expect("preparing");
    slack.acknowledge(&id, "opus").await.expect("acknowledge");
    slack
        .report_phase(&id, Phase::Running)
        .await
        .expect("running");
    slack.reply(&id, "Fixed.", &[]).await.expect("reply");

    let titles = fake.calls("assistant.threads.setTitle");
    assert_eq!(titles.len(), 1);
    assert_eq!(titles[0]["title"], "Fix the flaky build");
    assert_eq!(titles[0]["thread_ts"].as_str(), Some(ts.as_str()));
    let statuses: Vec<String> = fake
        .calls("assistant.threads.setStatus")
        .iter()
        .map(|c| c["status"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("is working on this...")
    );
    assert_eq!(
        statuses.last().map(String::as_str),
        Some(""),
        "cleared while running"
    );
    assert!(
        fake.calls("reactions.add").is_empty(),
        "no reactions in DMs"
    );
    let posts = texts(&fake.bot_posts("D1ANN", &ts));
    assert_eq!(posts.last().map(String::as_str), Some("Fixed."));
}

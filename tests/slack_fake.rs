//! The fake Slack against slack-morphism's own client and Socket Mode
//! listener, pointed at it as production points them at slack.com: if these
//! pass, what the Slack channel tests see is what Slack would have said.

mod support;

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use support::fake_slack::{
    APP_TOKEN, BOT_TOKEN, BOT_USER_ID, FakeSlack, FakeUser, TEAM_ID, UserMessage,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(20);

type Connector = SlackClientHyperConnector<HttpsConnector<HttpConnector>>;

/// The client as production builds it (DESIGN §7), at the fake's URL.
fn client(fake: &FakeSlack) -> Arc<SlackClient<Connector>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .expect("native roots")
        .https_or_http()
        .enable_http1()
        .build();
    let connector =
        SlackClientHyperConnector::with_connector(https).with_slack_api_url(&fake.api_url());
    Arc::new(SlackClient::new(connector))
}

fn bot_token() -> SlackApiToken {
    SlackApiToken::new(BOT_TOKEN.into())
}

fn api_error(result: ClientResult<impl std::fmt::Debug>) -> String {
    match result {
        Err(SlackClientError::ApiError(e)) => e.code,
        other => panic!("expected a Slack API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_api_answers_in_slacks_shapes() {
    let fake = FakeSlack::start();
    fake.add_user(FakeUser::member("U1ALICE", "alice"));
    fake.add_user(FakeUser::bot("U2BOT", "otherbot"));
    fake.add_user(FakeUser::deactivated("U3GONE", "gone"));
    fake.add_usergroup("S1ENG", "engineers", &["U1ALICE"]);
    fake.add_channel("C1GENERAL", "general");
    fake.add_channel("G1SECRET", "secret");
    let client = client(&fake);
    let token = bot_token();
    let session = client.open_session(&token);

    let auth = session.auth_test().await.expect("auth.test");
    assert_eq!(auth.team_id.to_string(), TEAM_ID);
    assert_eq!(auth.user_id.to_string(), BOT_USER_ID);

    let alice = session
        .users_info(&SlackApiUsersInfoRequest::new("U1ALICE".into()))
        .await
        .expect("users.info");
    assert_eq!(alice.user.flags.is_bot, Some(false));
    assert_eq!(alice.user.deleted, Some(false));
    let profile = alice.user.profile.expect("profile");
    assert_eq!(profile.display_name.as_deref(), Some("alice"));
    let bot = session
        .users_info(&SlackApiUsersInfoRequest::new("U2BOT".into()))
        .await
        .expect("users.info bot");
    assert_eq!(bot.user.flags.is_bot, Some(true));
    let gone = session
        .users_info(&SlackApiUsersInfoRequest::new("U3GONE".into()))
        .await
        .expect("users.info deactivated");
    assert_eq!(gone.user.deleted, Some(true));
    let unknown = session
        .users_info(&SlackApiUsersInfoRequest::new("U9NOBODY".into()))
        .await;
    assert_eq!(api_error(unknown), "user_not_found");

    let groups = session
        .usergroups_list(&SlackApiUserGroupsListRequest::new())
        .await
        .expect("usergroups.list");
    assert_eq!(groups.usergroups.len(), 1);
    assert_eq!(groups.usergroups[0].handle, "engineers");
    let members = session
        .usergroups_users_list(&SlackApiUserGroupsUsersListRequest::new("S1ENG".into()))
        .await
        .expect("usergroups.users.list");
    assert_eq!(members.users, vec![SlackUserId::new("U1ALICE".into())]);

    let channels = session
        .conversations_list(
            &SlackApiConversationsListRequest::new()
                .with_types(vec![
                    SlackConversationType::Public,
                    SlackConversationType::Private,
                ])
                .with_exclude_archived(true)
                .with_limit(1000),
        )
        .await
        .expect("conversations.list");
    let names: Vec<_> = channels
        .channels
        .iter()
        .filter_map(|c| c.name.clone())
        .collect();
    assert_eq!(names, vec!["general", "secret"]);

    // A person starts a thread; the bot answers in it; the thread holds both.
    let first = fake.user_message(UserMessage::mention("U1ALICE", "C1GENERAL", "hello"));
    let posted = session
        .chat_post_message(
            &SlackApiChatPostMessageRequest::new(
                "C1GENERAL".into(),
                SlackMessageContent::new().with_text("hi *there*".into()),
            )
            .with_thread_ts(first.ts.clone().into()),
        )
        .await
        .expect("chat.postMessage");
    let replies = session
        .conversations_replies(&SlackApiConversationsRepliesRequest::new(
            "C1GENERAL".into(),
            first.ts.clone().into(),
        ))
        .await
        .expect("conversations.replies");
    let texts: Vec<_> = replies
        .messages
        .iter()
        .map(|m| m.content.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        texts,
        vec![format!("<@{BOT_USER_ID}> hello"), "hi *there*".to_owned()]
    );
    assert_eq!(replies.messages[1].origin.ts, posted.ts);
    assert_eq!(
        replies.messages[1]
            .sender
            .bot_id
            .as_ref()
            .map(|b| b.to_string()),
        Some("B0BOT".to_owned())
    );

    // The plan message is edited in place.
    session
        .chat_update(&SlackApiChatUpdateRequest::new(
            "C1GENERAL".into(),
            SlackMessageContent::new().with_text("edited".into()),
            posted.ts.clone(),
        ))
        .await
        .expect("chat.update");
    assert_eq!(
        fake.message("C1GENERAL", posted.ts.as_ref()).expect("msg")["text"],
        "edited"
    );
    let not_mine = session
        .chat_update(&SlackApiChatUpdateRequest::new(
            "C1GENERAL".into(),
            SlackMessageContent::new().with_text("x".into()),
            first.ts.clone().into(),
        ))
        .await;
    assert_eq!(api_error(not_mine), "cant_update_message");

    // Reactions: 👀 on, twice is an error, off.
    let eyes = SlackApiReactionsAddRequest::new(
        "C1GENERAL".into(),
        SlackReactionName::new("eyes".into()),
        first.ts.clone().into(),
    );
    session.reactions_add(&eyes).await.expect("reactions.add");
    assert_eq!(
        api_error(session.reactions_add(&eyes).await),
        "already_reacted"
    );
    session
        .reactions_remove(
            &SlackApiReactionsRemoveRequest::new(SlackReactionName::new("eyes".into()))
                .with_channel("C1GENERAL".into())
                .with_timestamp(first.ts.clone().into()),
        )
        .await
        .expect("reactions.remove");

    // Assistant threads (DM surface).
    session
        .assistant_threads_set_status(&SlackApiAssistantThreadsSetStatusRequest::new(
            "D1ALICE".into(),
            "is working…".into(),
            first.ts.clone().into(),
        ))
        .await
        .expect("setStatus");
    session
        .assistant_threads_set_title(&SlackApiAssistantThreadSetTitleRequest::new(
            "D1ALICE".into(),
            first.ts.clone().into(),
            "A title".into(),
        ))
        .await
        .expect("setTitle");
    let title = fake.calls("assistant.threads.setTitle");
    assert_eq!(title[0]["title"], "A title");
    assert_eq!(title[0]["channel_id"], "D1ALICE");

    // Slack's refusals: unknown channel, a scripted failure, a wrong token.
    let nowhere = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            "C9NOWHERE".into(),
            SlackMessageContent::new().with_text("x".into()),
        ))
        .await;
    assert_eq!(api_error(nowhere), "channel_not_found");
    fake.fail_next("chat.postMessage", "fatal_error");
    let scripted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            "C1GENERAL".into(),
            SlackMessageContent::new().with_text("x".into()),
        ))
        .await;
    assert_eq!(api_error(scripted), "fatal_error");
    let app_token = SlackApiToken::new(APP_TOKEN.into());
    let wrong = client.open_session(&app_token).auth_test().await;
    assert_eq!(api_error(wrong), "not_allowed_token_type");
    assert_eq!(
        fake.auth_failures(),
        vec!["auth.test: not_allowed_token_type".to_owned()]
    );
    // Recorded arguments never hold a token.
    let recorded = serde_json::to_string(&fake.all_calls()).expect("json");
    assert!(!recorded.contains(BOT_TOKEN) && !recorded.contains(APP_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_upload_flow_stores_the_exact_bytes_in_the_thread() {
    let fake = FakeSlack::start();
    let client = client(&fake);
    let token = bot_token();
    let session = client.open_session(&token);
    let start = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "make a report"));
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_001).collect();

    let url = session
        .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
            "report.bin".into(),
            bytes.len(),
        ))
        .await
        .expect("files.getUploadURLExternal");
    session
        .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
            url.upload_url.clone(),
            bytes.clone(),
            "application/octet-stream".into(),
        ))
        .await
        .expect("upload");
    let done = session
        .files_complete_upload_external(
            &SlackApiFilesCompleteUploadExternalRequest::new(vec![
                SlackApiFilesComplete::new(url.file_id.clone()).with_title("Report".into()),
            ])
            .with_channel_id("D1ALICE".into())
            .with_thread_ts(start.ts.clone().into()),
        )
        .await
        .expect("files.completeUploadExternal");
    assert_eq!(done.files[0].id, url.file_id);

    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].name, "report.bin");
    assert_eq!(uploads[0].title.as_deref(), Some("Report"));
    assert_eq!(uploads[0].bytes, bytes);
    assert_eq!(uploads[0].channel.as_deref(), Some("D1ALICE"));
    assert_eq!(uploads[0].thread_ts.as_deref(), Some(start.ts.as_str()));
    let thread = fake.thread_messages("D1ALICE", &start.ts);
    assert_eq!(thread.len(), 2, "{thread:?}");
    assert_eq!(thread[1]["files"][0]["id"], url.file_id.to_string());

    // Completing a file whose bytes never arrived fails.
    let empty = session
        .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
            "e.txt".into(),
            3,
        ))
        .await
        .expect("second url");
    let incomplete = session
        .files_complete_upload_external(
            &SlackApiFilesCompleteUploadExternalRequest::new(vec![SlackApiFilesComplete::new(
                empty.file_id,
            )])
            .with_channel_id("D1ALICE".into()),
        )
        .await;
    assert_eq!(api_error(incomplete), "file_not_found");
}

/// A plain HTTP GET; returns (status line, content type, body).
async fn http_get(url: &str, bearer: Option<&str>) -> (String, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_once('/').expect("path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.lines().next().unwrap_or_default().to_owned();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (status, content_type, raw[split + 4..].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_files_need_the_bot_token() {
    let fake = FakeSlack::start();
    let file = fake.add_file("F1SPEC", "spec.txt", b"the spec\n");
    let url = file["url_private_download"].as_str().expect("url");
    assert!(
        url.starts_with(&fake.api_url().replace("/api", "")),
        "{url}"
    );
    let (status, content_type, body) = http_get(url, Some(BOT_TOKEN)).await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(body, b"the spec\n");
    assert_eq!(content_type, "application/octet-stream");
    // Without the token Slack serves its sign-in page, still 200.
    let (status, content_type, body) = http_get(url, None).await;
    assert!(status.contains("200"), "{status}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_ne!(body, b"the spec\n");
    assert_eq!(
        fake.auth_failures(),
        vec!["files-pri/F1SPEC: not_authed".to_owned()]
    );
}

struct Seen(tokio::sync::mpsc::UnboundedSender<SlackPushEventCallback>);

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(seen) = state.read().await.get_user_state::<Seen>() {
        let _ = seen.0.send(event);
    }
    Ok(())
}

async fn next_event(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<SlackPushEventCallback>,
) -> SlackPushEventCallback {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("an event in time")
        .expect("listener alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_delivers_envelopes_and_records_acks() {
    let fake = FakeSlack::start();
    fake.set_redelivery(None);
    fake.add_file("F1A", "a.txt", b"A");
    let client = client(&fake);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let environment =
        Arc::new(SlackClientEventsListenerEnvironment::new(client).with_user_state(Seen(tx)));
    let callbacks = SlackSocketModeListenerCallbacks::new().with_push_events(on_push);
    // One connection keeps the test free of the second socket's 5 s backoff.
    let config = SlackClientSocketModeConfig::new().with_max_connections_count(1);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    listener
        .listen_for(&SlackApiToken::new(APP_TOKEN.into()))
        .await
        .expect("listen");
    listener.start().await;
    assert!(fake.wait_connected_async(1, WAIT).await, "no socket");
    assert_eq!(fake.calls("apps.connections.open").len(), 1);

    // A DM arrives as a typed message event and is acknowledged.
    let dm = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "hi &amp; bye"));
    let event = next_event(&mut rx).await;
    assert_eq!(event.team_id.to_string(), TEAM_ID);
    match &event.event {
        SlackEventCallbackBody::Message(m) => {
            assert_eq!(m.origin.ts.to_string(), dm.ts);
            assert_eq!(
                m.origin.channel_type,
                Some(SlackChannelType::new("im".into()))
            );
            assert_eq!(
                m.content.as_ref().and_then(|c| c.text.clone()).as_deref(),
                Some("hi &amp; bye")
            );
        }
        other => panic!("not a message event: {other:?}"),
    }
    assert!(fake.wait_acked_async(&dm, WAIT).await, "not acked");

    // A mention arrives twice: as app_mention and as the message event.
    let file = fake.add_file("F1B", "b.txt", b"B");
    let mention =
        fake.user_message(UserMessage::mention("U1ALICE", "C1GENERAL", "look").with_file(file));
    let first = next_event(&mut rx).await;
    let second = next_event(&mut rx).await;
    assert!(
        matches!(first.event, SlackEventCallbackBody::AppMention(_)),
        "{first:?}"
    );
    match &second.event {
        SlackEventCallbackBody::Message(m) => {
            assert_eq!(m.subtype, Some(SlackMessageEventType::FileShare));
            let files = m
                .content
                .as_ref()
                .and_then(|c| c.files.clone())
                .unwrap_or_default();
            assert_eq!(files[0].name.as_deref(), Some("b.txt"));
        }
        other => panic!("not a message event: {other:?}"),
    }
    assert!(fake.wait_acked_async(&mention, WAIT).await);

    // A retry is a new envelope for the same event.
    let retry = fake.redeliver(&dm);
    let again = next_event(&mut rx).await;
    assert_eq!(again.event_id.to_string(), dm.event_id);
    assert!(fake.wait_acked_async(&retry, WAIT).await);
    assert_eq!(fake.attempts(&dm), 2);

    // Connections dropped: the listener reconnects through
    // apps.connections.open, and what was sent meanwhile arrives.
    let opened = fake.connections_opened();
    fake.drop_connections();
    let during = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "are you there"));
    let event = next_event(&mut rx).await;
    assert_eq!(event.event_id.to_string(), during.event_id);
    assert!(fake.connections_opened() > opened);
    assert!(fake.wait_acked_async(&during, WAIT).await);

    // `disconnect` makes the client replace its connection.
    let opened = fake.connections_opened();
    fake.send_disconnect("refresh_requested");
    let replaced = tokio::time::timeout(WAIT, async {
        while fake.connections_opened() == opened {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(replaced.is_ok(), "no new connection after disconnect");
    let after = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "still there?"));
    assert_eq!(
        next_event(&mut rx).await.event_id.to_string(),
        after.event_id
    );
    assert!(
        fake.auth_failures().is_empty(),
        "{:?}",
        fake.auth_failures()
    );
    listener.shutdown().await;
}

#[test]
fn unacknowledged_envelopes_are_retried_with_a_higher_attempt() {
    // A raw client that never acknowledges: Slack retries after the timeout.
    let fake = FakeSlack::start();
    fake.set_redelivery(Some(Duration::from_millis(300)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (delivery, _ws) = runtime.block_on(async {
        let open = http_post_json(&format!("{}/apps.connections.open", fake.api_url()), APP_TOKEN).await;
        let url = open["url"].as_str().expect("url").to_owned();
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("ws");
        use futures_util::StreamExt;
        let hello = ws.next().await.expect("frame").expect("ok");
        let hello: serde_json::Value = serde_json::from_str(hello.to_text().expect("text")).expect("json");
        assert_eq!(hello["type"], "hello");
        // A ticket is good for one connection only.
        assert!(tokio_tungstenite::connect_async(&url).await.is_err());
        let delivery = fake.deliver_event(json!({"type": "message", "user": "U1", "text": "x", "ts": "1.000001", "channel": "D1", "channel_type": "im", "event_ts": "1.000001"}));
        let mut attempts = Vec::new();
        while attempts.len() < 2 {
            let frame = ws.next().await.expect("frame").expect("ok");
            let envelope: serde_json::Value = serde_json::from_str(frame.to_text().expect("text")).expect("json");
            assert_eq!(envelope["type"], "events_api");
            assert_eq!(envelope["payload"]["type"], "event_callback");
            attempts.push(envelope);
        }
        assert_eq!(attempts[0]["retry_attempt"], 0);
        assert_eq!(attempts[1]["retry_attempt"], 1);
        assert_eq!(attempts[1]["retry_reason"], "timeout");
        assert_ne!(attempts[0]["envelope_id"], attempts[1]["envelope_id"]);
        assert_eq!(attempts[0]["payload"]["event_id"], attempts[1]["payload"]["event_id"]);
        (delivery, ws)
    });
    // The blocking waits, from a plain thread.
    assert!(fake.wait_connected(1, WAIT));
    assert!(!fake.wait_acked(&delivery, Duration::from_millis(200)));
    assert!(
        fake.wait_call("apps.connections.open", |_| true, WAIT)
            .is_some()
    );
    // Slack gives up after three retries: four attempts, then no more.
    let started = std::time::Instant::now();
    while fake.attempts(&delivery) < 4 {
        assert!(started.elapsed() < WAIT, "{}", fake.attempts(&delivery));
        std::thread::sleep(Duration::from_millis(20));
    }
    // Absence needs a wait: three more redelivery periods.
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(fake.attempts(&delivery), 4);
}

/// `apps.connections.open` the way Slack's own SDKs call it: a form POST.
async fn http_post_json(url: &str, bearer: &str) -> serde_json::Value {
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_once('/').expect("path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearer}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    serde_json::from_slice(&raw[split + 4..]).expect("json body")
}

/// A form POST as Slack's own SDKs send it, token in the body.
async fn http_post_form(url: &str, form: &str) -> serde_json::Value {
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_once('/').expect("path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    serde_json::from_slice(&raw[split + 4..]).expect("json body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_calls_block_limits_pagination_and_foreign_files() {
    let fake = FakeSlack::start();
    let root = fake.user_message(UserMessage::dm("U1ALICE", "D1ALICE", "start"));
    let blocks = r#"[{"type":"section","text":{"type":"mrkdwn","text":"*plan*"}}]"#;
    let form = format!(
        "token={BOT_TOKEN}&channel=D1ALICE&thread_ts={}&text=plan&blocks={}",
        root.ts,
        blocks
            .replace('"', "%22")
            .replace(' ', "%20")
            .replace(':', "%3A")
    );
    let posted = http_post_form(&format!("{}/chat.postMessage", fake.api_url()), &form).await;
    assert_eq!(posted["ok"], true, "{posted}");
    assert_eq!(posted["message"]["blocks"][0]["type"], "section");
    let recorded = fake.calls("chat.postMessage");
    assert!(
        recorded[0].get("token").is_none(),
        "the token is not recorded"
    );

    // Slack's block limits.
    let long = "x".repeat(3001);
    let too_long = format!(
        "token={BOT_TOKEN}&channel=D1ALICE&text=x&blocks=%5B%7B%22type%22%3A%22section%22%2C%22text%22%3A%7B%22type%22%3A%22mrkdwn%22%2C%22text%22%3A%22{long}%22%7D%7D%5D"
    );
    let refused = http_post_form(&format!("{}/chat.postMessage", fake.api_url()), &too_long).await;
    assert_eq!(refused["error"], "invalid_blocks", "{refused}");

    // conversations.replies pages with a cursor.
    for n in 0..3 {
        fake.user_message(
            UserMessage::dm("U1ALICE", "D1ALICE", &format!("r{n}")).in_thread(&root.ts),
        );
    }
    let client = client(&fake);
    let token = bot_token();
    let session = client.open_session(&token);
    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = session
            .conversations_replies(
                &SlackApiConversationsRepliesRequest::new("D1ALICE".into(), root.ts.clone().into())
                    .with_limit(2)
                    .opt_cursor(cursor.clone()),
            )
            .await
            .expect("replies page");
        seen.extend(
            page.messages
                .iter()
                .map(|m| m.content.text.clone().unwrap_or_default()),
        );
        cursor = page
            .response_metadata
            .and_then(|m| m.next_cursor)
            .filter(|c| !c.to_string().is_empty());
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, vec!["start", "plan", "r0", "r1", "r2"]);

    // A file on another host: served to anyone, and a token sent there is
    // an auth failure.
    let file = fake.add_foreign_file("F9X", "x.txt", b"elsewhere");
    let url = file["url_private_download"].as_str().expect("url");
    assert!(!url.starts_with(&fake.api_url().replace("/api", "")));
    let (_, _, body) = http_get(url, None).await;
    assert_eq!(body, b"elsewhere");
    assert!(fake.auth_failures().is_empty());
    http_get(url, Some(BOT_TOKEN)).await;
    assert_eq!(fake.foreign_requests().len(), 2);
    assert_eq!(fake.auth_failures().len(), 1, "{:?}", fake.auth_failures());
}

//! The dashboard pages over a real gateway (test channel, real sandbox and
//! Claude Code against the scripted model server): after a task that ran a
//! Bash command and answered with hostile text, every page renders what it
//! should, the agent's text comes out escaped, and unknown or malformed
//! ids get a 404 without touching the file system.

mod support;

use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::channel::ChannelCall;
use airut_actors::gateway::Shutdown;
use airut_actors::hub::Hub;
use airut_actors::intake::{ConversationId, Recorded};
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};
use support::web_fixture::start_web;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOSTILE_REPLY: &str = "<script>alert('pwned')</script> see javascript:alert(1) done";

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// One HTTP/1.0 GET on a fresh connection (async: the gateway's actors
/// share this thread).
async fn get(base: &str, path: &str) -> Response {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    Response {
        status: head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        head: head.to_string(),
        body: body.to_string(),
    }
}

async fn page(base: &str, path: &str) -> String {
    let response = get(base, path).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{path}"
    );
    assert!(
        response
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("default-src 'self'")),
        "{path}: {}",
        response.head
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
    assert_no_agent_markup(path, &response.body);
    response.body
}

/// The only script tag is the dashboard's own; no inline styles.
fn assert_no_agent_markup(path: &str, body: &str) {
    assert_eq!(body.matches("<script").count(), 1, "{path}: {body}");
    assert!(!body.contains("<script>alert"), "{path}: {body}");
    assert!(!body.contains("style=\""), "{path}: {body}");
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

#[actix::test]
async fn every_page_renders_a_finished_task_and_escapes_the_agent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::tool(ToolUse::bash("echo hi-from-bash")))
            .turn(Turn::text(HOSTILE_REPLY).expect_tool_results()),
    );
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    fx.hub = Some(hub.clone());
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let web = start_web(&fx, &gateway, &hub, None);
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, "a1", "Say hi.").await;
    let task_id = format!("{conversation}-1");
    fx.channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(120))
        .await;
    // The hub folds the finish shortly after the reply went out.
    let waited = tokio::time::Instant::now();
    loop {
        let body = page(&web.base, &format!("/task/{task_id}")).await;
        if body.contains("success") {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let overview = page(&web.base, "/").await;
    assert!(
        overview.contains(&format!("href=\"/task/{task_id}\"")),
        "{overview}"
    );
    assert!(overview.contains(&format!("href=\"/conversation/{conversation}\"")));
    assert!(overview.contains("href=\"/repo/alpha\""), "{overview}");
    assert!(overview.contains("Done"), "{overview}");
    assert!(overview.contains("Request a1"), "{overview}");
    assert!(
        overview.contains("href=\"/static/dashboard.css\"")
            && overview.contains("src=\"/static/dashboard.js\""),
        "{overview}"
    );

    let repo_page = page(&web.base, "/repo/alpha").await;
    assert!(repo_page.contains("status-live"), "{repo_page}");
    assert!(repo_page.contains(&task_id), "{repo_page}");

    let task = page(&web.base, &format!("/task/{task_id}")).await;
    assert!(task.contains("claude-sonnet-4-5"), "{task}");
    assert!(task.contains("<dd>Ann</dd>"), "{task}");
    assert!(task.contains("Request a1"), "{task}");
    assert!(
        task.contains("&#60;script&#62;alert") || task.contains("&lt;script&gt;alert"),
        "the reply, escaped: {task}"
    );

    let conversation_page = page(&web.base, &format!("/conversation/{conversation}")).await;
    assert!(conversation_page.contains(&task_id), "{conversation_page}");
    assert!(conversation_page.contains("Tokens"), "{conversation_page}");
    assert!(
        conversation_page.contains("&#60;script&#62;alert")
            || conversation_page.contains("&lt;script&gt;alert"),
        "{conversation_page}"
    );

    let actions = page(&web.base, &format!("/conversation/{conversation}/actions")).await;
    assert!(actions.contains("Bash"), "{actions}");
    assert!(actions.contains("$ echo hi-from-bash"), "{actions}");
    assert!(actions.contains("Output of Bash"), "{actions}");
    assert!(
        actions.contains("<pre>hi-from-bash</pre>"),
        "the command's output: {actions}"
    );
    assert!(actions.contains("Finished"), "{actions}");
    let one_task = page(
        &web.base,
        &format!("/conversation/{conversation}/actions?task={task_id}"),
    )
    .await;
    assert!(one_task.contains("echo hi-from-bash"), "{one_task}");

    let network = page(&web.base, &format!("/conversation/{conversation}/network")).await;
    assert!(network.contains("Network log"), "{network}");
    let blocked = page(
        &web.base,
        &format!("/conversation/{conversation}/network?only=blocked&host=%3Cscript%3E"),
    )
    .await;
    assert!(
        blocked.contains("<option value=\"blocked\" selected>"),
        "{blocked}"
    );

    // assets
    let css = get(&web.base, "/static/dashboard.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let js = get(&web.base, "/static/dashboard.js").await;
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.body.contains("/api/ws"));
    assert_eq!(get(&web.base, "/static/../Cargo.toml").await.status, 404);
    assert_eq!(get(&web.base, "/static/nope.js").await.status, 404);

    // unknown and malformed ids
    for path in [
        "/conversation/00000000".to_string(),
        "/conversation/00000000/actions".to_string(),
        "/conversation/00000000/network".to_string(),
        format!("/task/{conversation}-99"),
        "/task/00000000-1".to_string(),
        "/repo/nope".to_string(),
        "/conversation/..%2f..%2f..%2fetc%2fpasswd".to_string(),
        "/conversation/../../etc/passwd".to_string(),
        format!("/conversation/{conversation}/../../../etc/passwd"),
        "/task/..%2f00000000-1".to_string(),
        format!("/task/{conversation}-1%2f..%2f..%2fx"),
        "/repo/..".to_string(),
        "/repo/..%2f..%2fetc".to_string(),
        "/conversation/0A1B2C3D".to_string(),
        format!("/conversation/{conversation}/actions?task=..%2f..%2fx"),
        format!("/conversation/{conversation}/actions?task=00000000-1"),
    ] {
        let response = get(&web.base, &path).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
        assert!(!response.body.contains("root:"), "{path}");
    }
    let unknown = get(&web.base, "/conversation/00000000").await;
    assert!(unknown.body.contains("Not found"), "{}", unknown.body);
    assert_eq!(
        unknown.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    web.handle.stop(false).await;
    gateway.send(Shutdown).await.expect("shutdown");
}

/// One HTTP/1.0 POST with an empty body and `headers`.
async fn post(base: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n");
    for (key, value) in headers {
        request.push_str(&format!("{key}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    Response {
        status: head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        head: head.to_string(),
        body: body.to_string(),
    }
}

#[actix::test]
async fn the_stop_form_stops_the_task_and_drops_follow_ups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let slow = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Too late.").delay(Duration::from_secs(120))),
    );
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    fx.hub = Some(hub.clone());
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &slow.container_base_url(),
    );
    let web = start_web(&fx, &gateway, &hub, None);
    let repo = live_repo(&gateway, "alpha").await;
    let conversation = submit(&repo, "p1", "Take long.").await;
    let task_id = format!("{conversation}-1");
    let waited = tokio::time::Instant::now();
    while slow.main_requests().is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no model request"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A follow-up in the same thread waits behind the running task.
    let follow_up = repo
        .send(Submit(message("alpha", "p2", "t-p1", "And then this.")))
        .await
        .expect("repo")
        .expect("journaled");
    assert!(
        matches!(&follow_up, Recorded::Accepted { conversation_id, .. } if *conversation_id == conversation),
        "{follow_up:?}"
    );

    let form = format!("action=\"/conversation/{conversation}/stop\"");
    let drop_form = format!("action=\"/conversation/{conversation}/stop?drop_pending=true\"");
    let waited = tokio::time::Instant::now();
    loop {
        let body = page(&web.base, &format!("/conversation/{conversation}")).await;
        if body.contains(&form) && body.contains(&drop_form) {
            assert!(body.contains("drop 1 queued follow-up<"), "{body}");
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let task = page(&web.base, &format!("/task/{task_id}")).await;
    assert!(
        task.contains(&format!(
            "action=\"/conversation/{conversation}/stop?task={task_id}\""
        )),
        "{task}"
    );

    // same-origin only; unknown, malformed and foreign ids are 404s
    let path = format!("/conversation/{conversation}/stop?drop_pending=true&task={task_id}");
    assert_eq!(post(&web.base, &path, &[]).await.status, 403);
    let origin = [("Origin", web.base.as_str())];
    for bad in [
        "/conversation/00000000/stop".to_string(),
        "/conversation/..%2f..%2fetc/stop".to_string(),
        format!("/conversation/{conversation}/stop?task=00000000-1"),
        format!("/conversation/{conversation}/stop?task=..%2fx"),
    ] {
        let response = post(&web.base, &bad, &origin).await;
        assert_eq!(response.status, 404, "{bad}: {}", response.body);
    }

    let stopped = post(&web.base, &path, &origin).await;
    assert_eq!(stopped.status, 303, "{}", stopped.body);
    assert_eq!(
        stopped.header("location"),
        Some(format!("/task/{task_id}").as_str())
    );
    let stopped_reply = |c: &ChannelCall| matches!(c, ChannelCall::ErrorReply { text, .. } if text.contains("stopped on request"));
    let dropped_reply = |c: &ChannelCall| matches!(c, ChannelCall::ErrorReply { text, .. } if text.contains("dropped on request"));
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for(Duration::from_secs(60), |calls| {
            calls.iter().any(stopped_reply) && calls.iter().any(dropped_reply)
        })
        .await;
    assert!(
        calls.iter().any(stopped_reply) && calls.iter().any(dropped_reply),
        "{calls:#?}"
    );
    let waited = tokio::time::Instant::now();
    loop {
        let body = page(&web.base, &format!("/conversation/{conversation}")).await;
        if body.contains("stopped") && !body.contains(&form) {
            assert!(
                !body.contains(&format!("{conversation}-2")),
                "dropped: {body}"
            );
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Nothing left to stop: still a redirect, back to the conversation.
    let again = post(
        &web.base,
        &format!("/conversation/{conversation}/stop"),
        &origin,
    )
    .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(
        again.header("location"),
        Some(format!("/conversation/{conversation}").as_str())
    );
    assert_eq!(slow.main_requests().len(), 1, "the follow-up never ran");

    web.handle.stop(false).await;
    gateway.send(Shutdown).await.expect("shutdown");
}

//! The dashboard's JSON API, WebSocket and access rules over a real
//! gateway (test channel, real sandbox and Claude Code against the scripted
//! model server): a finished task is visible through every endpoint and
//! was pushed over the WebSocket as it happened; a POST stops a running
//! task; the token, same-origin and header rules hold.

mod support;

use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::channel::ChannelCall;
use airut_actors::gateway::Shutdown;
use airut_actors::hub::Hub;
use airut_actors::intake::{ConversationId, Recorded};
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, Turn};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};
use support::web_fixture::start_web;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "s3cret token";

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.0 request on a fresh connection (async: the gateway's
/// actors share this thread).
async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

async fn get(base: &str, path: &str) -> Response {
    http(base, "GET", path, &[], "").await
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

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(base: &str) -> Ws {
    let url = format!("{}/api/ws", base.replace("http://", "ws://"));
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");
    ws
}

/// The next JSON text message (pings are answered by the library).
async fn ws_next(ws: &mut Ws, timeout: Duration) -> Value {
    loop {
        let msg = tokio::time::timeout(timeout, ws.next())
            .await
            .expect("a WebSocket message in time")
            .expect("the socket open")
            .expect("a frame");
        if let Message::Text(text) = msg {
            return serde_json::from_str(text.as_str()).expect("JSON message");
        }
    }
}

async fn ws_send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string()))
        .await
        .expect("send");
}

async fn wait_model_requests(server: &ModelServer, n: usize) {
    let waited = tokio::time::Instant::now();
    while server.main_requests().len() < n {
        assert!(waited.elapsed() < Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix::test]
async fn a_task_is_pushed_live_and_served_by_every_endpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let server = ModelServer::start_for_containers(Script::new().turn(Turn::text("All done.")));
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    fx.hub = Some(hub.clone());
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let web = start_web(&fx, &gateway, &hub, None);
    let repo = live_repo(&gateway, "alpha").await;

    let mut ws = ws_connect(&web.base).await;
    let hello = ws_next(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert!(
        hello["instance"].as_str().is_some_and(|s| !s.is_empty()),
        "{hello}"
    );
    ws_send(&mut ws, serde_json::json!({"subscribe": "state"})).await;
    let snapshot = ws_next(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(
        (snapshot["type"].as_str(), snapshot["topic"].as_str()),
        (Some("snapshot"), Some("state")),
        "{snapshot}"
    );
    assert!(
        snapshot["state"]["repos"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["repo_id"] == "alpha")),
        "{snapshot}"
    );

    let conversation = submit(&repo, "a1", "Do it.").await;
    let task_id = format!("{conversation}-1");
    let mut seen = Vec::new();
    while !seen.contains(&"task_finished".to_string()) {
        let msg = ws_next(&mut ws, Duration::from_secs(120)).await;
        if msg["type"] == "event" && msg["event"]["task"]["task_id"] == task_id.as_str() {
            seen.push(
                msg["event"]["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    assert_eq!(
        seen,
        ["task_queued", "task_started", "task_finished"],
        "{seen:?}"
    );
    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    assert!(
        calls
            .iter()
            .any(|c| matches!(c, ChannelCall::Reply { text, .. } if text.starts_with("All done."))),
        "{calls:#?}"
    );

    // conversations, not tasks
    let list = get(&web.base, "/api/conversations").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let entry = list
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["id"] == conversation.as_str())
        .unwrap_or_else(|| panic!("{list}"))
        .clone();
    assert_eq!(entry["repo_id"], "alpha");
    assert_eq!(entry["task_count"], 1);
    assert_eq!(entry["latest_task"]["task_id"], task_id.as_str());
    assert_eq!(entry["latest_task"]["outcome"], "success");
    assert_eq!(entry["active"], false);
    let idle = get(&web.base, "/api/conversations?state=idle&repo=alpha")
        .await
        .json();
    assert!(
        idle.as_array()
            .is_some_and(|l| l.iter().any(|c| c["id"] == conversation.as_str())),
        "{idle}"
    );
    let active = get(&web.base, "/api/conversations?state=active")
        .await
        .json();
    assert_eq!(active, serde_json::json!([]));
    assert_eq!(
        get(&web.base, "/api/conversations?state=busy").await.status,
        400
    );

    let detail = get(&web.base, &format!("/api/conversation/{conversation}")).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let detail = detail.json();
    assert_eq!(
        detail["tasks"][0]["task"]["task_id"],
        task_id.as_str(),
        "{detail}"
    );
    assert!(
        detail["last_reply"]
            .as_str()
            .is_some_and(|r| r.contains("All done.")),
        "{detail}"
    );

    let task = get(&web.base, &format!("/api/task/{task_id}")).await;
    assert_eq!(task.status, 200, "{}", task.body);
    let task = task.json();
    assert_eq!(task["status"], "finished", "{task}");
    assert!(
        task["claude_events"].as_u64().is_some_and(|n| n > 0),
        "{task}"
    );

    let events = get(
        &web.base,
        &format!("/api/conversation/{conversation}/events?after=0"),
    )
    .await
    .json();
    let cursor = events["cursor"].as_u64().expect("cursor");
    assert!(cursor > 0, "{events}");
    assert_eq!(
        events["lines"].as_array().map(Vec::len),
        Some(cursor as usize),
        "{events}"
    );
    assert_eq!(events["lines"][0]["task_id"], task_id.as_str(), "{events}");
    let rest = get(
        &web.base,
        &format!("/api/conversation/{conversation}/events?after={cursor}"),
    )
    .await
    .json();
    assert_eq!(
        (
            rest["cursor"].as_u64(),
            rest["lines"].as_array().map(Vec::len)
        ),
        (Some(cursor), Some(0)),
        "{rest}"
    );
    let tail = get(
        &web.base,
        &format!(
            "/api/conversation/{conversation}/events?after={}",
            cursor - 1
        ),
    )
    .await
    .json();
    assert_eq!(tail["lines"].as_array().map(Vec::len), Some(1), "{tail}");
    let network = get(
        &web.base,
        &format!("/api/conversation/{conversation}/network"),
    )
    .await;
    assert_eq!(network.status, 200, "{}", network.body);

    // the events topic replays the file from the cursor
    ws_send(
        &mut ws,
        serde_json::json!({"subscribe": format!("events:{conversation}"), "cursor": cursor - 1}),
    )
    .await;
    loop {
        let msg = ws_next(&mut ws, Duration::from_secs(10)).await;
        if msg["type"] == "append" {
            assert_eq!(msg["cursor"].as_u64(), Some(cursor), "{msg}");
            assert_eq!(msg["lines"].as_array().map(Vec::len), Some(1), "{msg}");
            break;
        }
    }
    // the network topic sends the backlog, then follows the file as it grows
    ws_send(
        &mut ws,
        serde_json::json!({"subscribe": format!("network:{conversation}")}),
    )
    .await;
    let backlog = ws_next(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(
        (backlog["type"].as_str(), backlog["live"].as_bool()),
        (Some("append"), Some(true)),
        "{backlog}"
    );
    let log = fx
        .state_dir()
        .join("alpha")
        .join("conversations")
        .join(conversation.as_str())
        .join(airut_actors::task_runner::NETWORK_LOG);
    let before = backlog["cursor"].as_u64().expect("cursor");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .expect("network log");
    std::io::Write::write_all(&mut file, b"{\"task_id\":\"x\",\"verdict\":\"allowed\"}\n")
        .expect("append");
    let appended = ws_next(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(
        appended["topic"],
        format!("network:{conversation}"),
        "{appended}"
    );
    assert_eq!(appended["cursor"].as_u64(), Some(before + 1), "{appended}");
    assert_eq!(appended["lines"][0]["verdict"], "allowed", "{appended}");
    let network = get(
        &web.base,
        &format!("/api/conversation/{conversation}/network?after={before}"),
    )
    .await
    .json();
    assert_eq!(
        network["lines"].as_array().map(Vec::len),
        Some(1),
        "{network}"
    );

    ws_send(
        &mut ws,
        serde_json::json!({"subscribe": "events:../../etc"}),
    )
    .await;
    let refused = ws_next(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(refused["type"], "error", "{refused}");

    // headers on every response, JSON 404s for unknown and invalid ids
    let state = get(&web.base, "/api/state").await;
    assert_eq!(state.status, 200);
    assert_eq!(state.json()["boot"], "ready");
    for (name, value) in [
        ("content-security-policy", "default-src 'self'"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(
            state.header(name),
            Some(value),
            "{name}: {:?}",
            state.headers
        );
    }
    let repos = get(&web.base, "/api/repos").await.json();
    assert_eq!(repos[0]["repo_id"], "alpha", "{repos}");
    assert_eq!(repos[0]["state"], "live", "{repos}");
    for path in [
        "/api/conversation/ffffffff".to_string(),
        "/api/conversation/ffffffff/events".to_string(),
        "/api/conversation/..%2F..%2Fetc/events".to_string(),
        "/api/conversation/FFFFFFFF".to_string(),
        "/api/conversation/%2e%2e/network".to_string(),
        "/api/task/ffffffff-1".to_string(),
        format!("/api/task/{conversation}-9"),
        format!("/api/task/{conversation}"),
        "/api/task/..%2Fx-1".to_string(),
    ] {
        let response = get(&web.base, &path).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
        assert!(response.json()["error"].is_string(), "{path}");
    }
    let stop = http(
        &web.base,
        "POST",
        "/api/conversation/ffffffff/stop",
        &[("Sec-Fetch-Site", "same-origin")],
        "",
    )
    .await;
    assert_eq!(stop.status, 404, "{}", stop.body);
    let idle_stop = http(
        &web.base,
        "POST",
        &format!("/api/task/{task_id}/stop"),
        &[("Sec-Fetch-Site", "same-origin")],
        "",
    )
    .await;
    assert_eq!(idle_stop.status, 409, "{}", idle_stop.body);

    // with a token
    let guarded = start_web(&fx, &gateway, &hub, Some(TOKEN));
    let denied = get(&guarded.base, "/api/state").await;
    assert_eq!(denied.status, 401);
    assert_eq!(denied.header("x-frame-options"), Some("DENY"));
    assert_eq!(get(&guarded.base, "/").await.status, 401);
    assert_eq!(
        http(
            &guarded.base,
            "GET",
            "/api/state",
            &[("Authorization", "Bearer wrong")],
            ""
        )
        .await
        .status,
        401
    );
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        http(
            &guarded.base,
            "GET",
            "/api/state",
            &[("Authorization", &bearer)],
            ""
        )
        .await
        .status,
        200
    );
    assert_eq!(get(&guarded.base, "/login").await.status, 200);
    let origin = guarded.base.clone();
    let wrong = http(
        &guarded.base,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        "token=nope",
    )
    .await;
    assert_eq!(wrong.status, 401);
    let login = http(
        &guarded.base,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        "token=s3cret+token",
    )
    .await;
    assert_eq!(login.status, 303, "{}", login.body);
    let set_cookie = login.header("set-cookie").expect("cookie").to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_string();
    let with_cookie = http(
        &guarded.base,
        "GET",
        "/api/conversations",
        &[("Cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(with_cookie.status, 200, "{}", with_cookie.body);
    // a cookie alone does not make a cross-site POST
    let path = format!("/api/conversation/{conversation}/stop");
    let cross = http(&guarded.base, "POST", &path, &[("Cookie", &cookie)], "").await;
    assert_eq!(cross.status, 403, "{}", cross.body);
    let cross = http(
        &guarded.base,
        "POST",
        &path,
        &[("Cookie", &cookie), ("Origin", "http://evil.example")],
        "",
    )
    .await;
    assert_eq!(cross.status, 403, "{}", cross.body);
    let same = http(
        &guarded.base,
        "POST",
        &path,
        &[("Cookie", &cookie), ("Origin", &origin)],
        "",
    )
    .await;
    assert_eq!(same.status, 409, "nothing runs: {}", same.body);
    let by_bearer = http(
        &guarded.base,
        "POST",
        &path,
        &[("Authorization", &bearer)],
        "",
    )
    .await;
    assert_eq!(by_bearer.status, 409, "{}", by_bearer.body);

    gateway.send(Shutdown).await.expect("shutdown");
}

#[actix::test]
async fn a_post_stops_the_running_task() {
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
    let conversation = submit(&repo, "s1", "Take long.").await;
    wait_model_requests(&slow, 1).await;
    let task_id = format!("{conversation}-1");

    let running = get(&web.base, &format!("/api/task/{task_id}")).await.json();
    assert_eq!(running["status"], "running", "{running}");
    let active = get(&web.base, "/api/conversations?state=active")
        .await
        .json();
    assert!(
        active
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["id"] == conversation.as_str())),
        "{active}"
    );

    let path = format!("/api/task/{task_id}/stop");
    let cross = http(&web.base, "POST", &path, &[], "").await;
    assert_eq!(cross.status, 403, "{}", cross.body);
    let stop = http(&web.base, "POST", &path, &[("Origin", &web.base)], "").await;
    assert_eq!(stop.status, 200, "{}", stop.body);
    assert_eq!(
        stop.json()["stopped_task"],
        task_id.as_str(),
        "{}",
        stop.body
    );

    let calls = fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    assert!(calls.iter().any(|c| matches!(c, ChannelCall::ErrorReply { text, .. } if text.contains("stopped on request"))), "{calls:#?}");
    let waited = tokio::time::Instant::now();
    loop {
        let task = get(&web.base, &format!("/api/task/{task_id}")).await.json();
        if task["status"] == "finished" {
            assert_eq!(task["outcome"], "stopped", "{task}");
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "{task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    gateway.send(Shutdown).await.expect("shutdown");
}

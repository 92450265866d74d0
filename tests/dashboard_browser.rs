//! The dashboard in a real browser: headless Debian chromium driven over
//! W3C WebDriver (chromedriver, spoken to with a small HTTP/1.1 client
//! here) against a real gateway with a hub, the web server, the test
//! channel and Claude Code on the scripted model server. The pages follow
//! the WebSocket without a reload: a new task shows up on the overview,
//! the actions timeline grows while the task runs, and the stop button
//! stops a running task. A screenshot per scenario is kept under
//! `target/test-artifacts/dashboard/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::channel::ChannelCall;
use airut_actors::gateway::{Gateway, Shutdown};
use airut_actors::hub::Hub;
use airut_actors::intake::{ConversationId, Recorded};
use airut_actors::repo::{RepoActor, Submit};
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
use serde_json::{Value, json};
use support::gateway_fixture::{GatewayFixture, config_yaml, live_repo, message, upstream};
use support::web_fixture::{Web, start_web};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every wait on the page: poll this often, give up after this long.
const POLL: Duration = Duration::from_millis(100);
const PATIENCE: Duration = Duration::from_secs(60);

/// The chromium flags of DESIGN §7 (plus a profile dir of our own).
const CHROME_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
];

fn env_path(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} unset: {}", support::PREPARE_HINT))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts/dashboard");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// Standard base64 (what WebDriver screenshots are in).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0u32);
    for sextet in text.bytes().filter_map(value) {
        bits = (bits << 6) | u32::from(sextet);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// One HTTP/1.1 request on a fresh connection; the response body.
async fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to chromedriver");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    let read = async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            raw.extend_from_slice(&buf[..n]);
            // Done once the head and Content-Length bytes are in.
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                let length = head.lines().find_map(|l| {
                    l.strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                });
                if length.is_some_and(|len| raw.len() >= end + 4 + len) {
                    return Ok(());
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(90), read)
        .await
        .unwrap_or_else(|_| panic!("chromedriver: no answer to {method} {path}"))
        .expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// chromedriver and one chromium session; both end on drop.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    /// Chromium's profile; also names its processes for the clean-up.
    profile: tempfile::TempDir,
    name: String,
}

impl Browser {
    async fn start(name: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(env_path("CHROMEDRIVER"))
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            profile,
            name: name.to_string(),
        };
        let waited = tokio::time::Instant::now();
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                let (status, body) = http(port, "GET", "/status", None).await;
                if status == 200 && body.contains("\"ready\":true") {
                    break;
                }
            }
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "chromedriver never got ready"
            );
            tokio::time::sleep(POLL).await;
        }
        let mut args: Vec<String> = CHROME_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            browser.profile.path().display()
        ));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": env_path("CHROME_BIN"), "args": args},
        }}});
        let created = browser
            .command("POST", "/session", Some(&capabilities))
            .await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        browser
    }

    /// A WebDriver command; its `value`.
    async fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, text) = http(self.port, method, path, body).await;
        let parsed: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
        assert_eq!(status, 200, "{method} {path}: {text}");
        parsed["value"].clone()
    }

    async fn session(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.command(method, &path, body).await
    }

    async fn open(&self, url: &str) {
        self.session("POST", "/url", Some(&json!({"url": url})))
            .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
        .await
    }

    /// What the page shows as text, and where it is.
    async fn text(&self) -> (String, String) {
        let value = self
            .script("return [location.href, document.body ? document.body.innerText : ''];")
            .await;
        (
            value[0].as_str().unwrap_or_default().to_string(),
            value[1].as_str().unwrap_or_default().to_string(),
        )
    }

    async fn screenshot(&self, suffix: &str) -> PathBuf {
        let png = self.session("GET", "/screenshot", None).await;
        let path = artifacts().join(format!("{}{suffix}.png", self.name));
        std::fs::write(&path, base64_decode(png.as_str().unwrap_or_default()))
            .expect("write screenshot");
        path
    }

    /// Waits (bounded) until the page's text satisfies `want`; on timeout
    /// keeps a screenshot and fails with the text.
    async fn wait_text(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let waited = tokio::time::Instant::now();
        loop {
            let (url, text) = self.text().await;
            if want(&text) {
                return text;
            }
            if waited.elapsed() > PATIENCE {
                let shot = self.screenshot("-failed").await;
                panic!(
                    "{}: never saw {what} on {url} (screenshot {}):\n{text}",
                    self.name,
                    shot.display()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the page's script follows the WebSocket.
    async fn wait_live(&self) {
        let waited = tokio::time::Instant::now();
        loop {
            let status = self
                .script("var s = document.getElementById('live-status'); return s ? s.textContent : '';")
                .await;
            if status == "live" {
                // Let the subscriptions sent on open reach the server.
                tokio::time::sleep(Duration::from_millis(300)).await;
                return;
            }
            assert!(waited.elapsed() < PATIENCE, "{}: never live", self.name);
            tokio::time::sleep(POLL).await;
        }
    }

    async fn click(&self, css: &str) {
        let found = self
            .session(
                "POST",
                "/element",
                Some(&json!({"using": "css selector", "value": css})),
            )
            .await;
        let element = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string();
        self.session(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        )
        .await;
    }
}

/// Blocking on purpose: drop cannot await, and chromedriver is another
/// process (a short loopback request).
fn delete_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}

/// Pids of processes whose command line names `needle` (our chromium,
/// by its unique profile dir).
fn pids_with_arg(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .collect()
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            delete_session(self.port, &self.session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Whatever chromium left behind (a test that panicked mid-way).
        let profile = self.profile.path().display().to_string();
        for pid in pids_with_arg(&format!("--user-data-dir={profile}")) {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
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

async fn wait_model_requests(server: &ModelServer, n: usize) {
    let waited = tokio::time::Instant::now();
    while server.main_requests().len() < n {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no model request"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// A gateway with a hub and the dashboard, repo `alpha` live.
struct Setup {
    _dir: tempfile::TempDir,
    fx: GatewayFixture,
    gateway: Addr<Gateway>,
    web: Web,
    repo: Addr<RepoActor>,
}

async fn setup(server: &ModelServer) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let url = upstream(&root.join("up"));
    let mut fx = GatewayFixture::new(root);
    let hub = Hub::new(fx.store.clone()).start();
    fx.hub = Some(hub.clone());
    let gateway = fx.start(
        &config_yaml(&[("alpha", &url)], 2, 30),
        &server.container_base_url(),
    );
    let web = start_web(&fx, &gateway, &hub, None);
    let repo = live_repo(&gateway, "alpha").await;
    Setup {
        _dir: dir,
        fx,
        gateway,
        web,
        repo,
    }
}

impl Setup {
    async fn stop(self) {
        self.web.handle.stop(false).await;
        self.gateway.send(Shutdown).await.expect("shutdown");
    }
}

#[actix::test]
async fn the_overview_shows_a_new_task_without_a_reload() {
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Overview done.").delay(Duration::from_secs(4))),
    );
    let setup = setup(&server).await;
    let browser = Browser::start("overview-live").await;
    browser.open(&format!("{}/", setup.web.base)).await;
    browser.wait_live().await;
    let (_, before) = browser.text().await;
    assert!(!before.contains("Request ov1"), "{before}");
    // Marks this document: a reload would lose it.
    browser.script("window.__noReload = 1; return 1;").await;

    let conversation = submit(&setup.repo, "ov1", "Say hi slowly.").await;
    browser
        .wait_text("the new task", |t| t.contains("Request ov1"))
        .await;
    browser
        .wait_text("the task running", |t| {
            t.contains(&format!("{conversation}-1")) && t.contains("Running: ")
        })
        .await;
    let shot = browser.screenshot("").await;
    assert_eq!(
        browser.script("return window.__noReload || 0;").await,
        1,
        "the page was reloaded"
    );
    browser
        .wait_text("the task done", |t| t.contains("Took: "))
        .await;
    eprintln!("screenshot: {}", shot.display());
    setup
        .fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    drop(browser);
    setup.stop().await;
}

#[actix::test]
async fn the_actions_timeline_grows_while_the_task_runs() {
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(
                Turn::tool(ToolUse::todo_write(&[
                    ("Look around", "in_progress"),
                    ("Report back", "pending"),
                ]))
                .delay(Duration::from_secs(3)),
            )
            .turn(
                Turn::tool(ToolUse::bash("echo browser-live-check")).delay(Duration::from_secs(8)),
            )
            .turn(Turn::text("Timeline done.").delay(Duration::from_secs(2))),
    );
    let setup = setup(&server).await;
    // chromium first (seconds under load): the page must open before the
    // Bash call happens
    let browser = Browser::start("actions-live").await;
    let conversation = submit(&setup.repo, "ac1", "Plan, run, answer.").await;
    wait_model_requests(&server, 1).await;
    browser
        .open(&format!(
            "{}/conversation/{conversation}/actions",
            setup.web.base
        ))
        .await;
    browser.wait_live().await;
    let (_, before) = browser.text().await;
    assert!(!before.contains("echo browser-live-check"), "{before}");
    browser.script("window.__noReload = 1; return 1;").await;

    browser
        .wait_text("the plan", |t| {
            t.contains("Plan") && t.contains("Look around")
        })
        .await;
    browser
        .wait_text("the Bash command", |t| {
            t.contains("$ echo browser-live-check")
        })
        .await;
    browser
        .wait_text("the final answer", |t| {
            t.contains("Timeline done.") && t.contains("Finished")
        })
        .await;
    let shot = browser.screenshot("").await;
    eprintln!("screenshot: {}", shot.display());
    assert_eq!(
        browser.script("return window.__noReload || 0;").await,
        1,
        "the page was reloaded"
    );
    setup
        .fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    drop(browser);
    setup.stop().await;
}

#[actix::test]
async fn the_stop_button_stops_a_running_task() {
    let server = ModelServer::start_for_containers(
        Script::new().turn(Turn::text("Too late.").delay(Duration::from_secs(120))),
    );
    let setup = setup(&server).await;
    let conversation = submit(&setup.repo, "st1", "Take long.").await;
    wait_model_requests(&server, 1).await;

    let browser = Browser::start("stop-button").await;
    let page = format!("{}/conversation/{conversation}", setup.web.base);
    browser.open(&page).await;
    browser
        .wait_text("the stop button", |t| t.contains("Stop the running task"))
        .await;
    browser.screenshot("-before").await;
    browser.click("#stop-task").await;

    let calls = setup
        .fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    assert!(
        calls.iter().any(|c| matches!(c, ChannelCall::ErrorReply { text, .. } if text.contains("stopped on request"))),
        "{calls:#?}"
    );
    let text = browser
        .wait_text("the stopped outcome", |t| {
            t.contains("⊘ stopped") && !t.contains("Stop the running task")
        })
        .await;
    let (url, _) = browser.text().await;
    assert_eq!(url, page, "redirected back to the conversation page");
    assert!(text.contains("finished"), "{text}");
    let shot = browser.screenshot("").await;
    eprintln!("screenshot: {}", shot.display());
    drop(browser);
    setup.stop().await;
}

#[actix::test]
async fn the_network_view_shows_a_blocked_request_live() {
    use airut_proxy::netlog::{EntryKind, NetLogEntry, Verdict};
    use std::io::Write;

    let server = ModelServer::start_for_containers(Script::new().turn(Turn::text("Net done.")));
    let setup = setup(&server).await;
    let conversation = submit(&setup.repo, "nw1", "Answer.").await;
    setup
        .fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;

    let browser = Browser::start("network-live").await;
    browser
        .open(&format!(
            "{}/conversation/{conversation}/network",
            setup.web.base
        ))
        .await;
    browser.wait_live().await;
    let (_, before) = browser.text().await;
    assert!(!before.contains("blocked-live.example"), "{before}");
    browser.script("window.__noReload = 1; return 1;").await;

    // What the proxy writes: one JSON entry per line.
    let entry = NetLogEntry {
        time: "2026-11-22T14:03:02.000Z".into(),
        task_id: format!("{conversation}-1"),
        kind: EntryKind::Connect,
        verdict: Verdict::Blocked,
        url: Some("blocked-live.example:443".into()),
        status: Some(403),
        reason: Some("not allowed".into()),
        ..NetLogEntry::default()
    };
    let log = setup
        .fx
        .state_dir()
        .join("alpha/conversations")
        .join(conversation.as_str())
        .join(airut_actors::task_runner::NETWORK_LOG);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    writeln!(
        file,
        "{}",
        serde_json::to_string(&entry).expect("serialize")
    )
    .expect("append");
    drop(file);

    browser
        .wait_text("the blocked request", |t| {
            t.contains("BLOCKED CONNECT blocked-live.example:443 -> 403")
        })
        .await;
    let blocked = browser
        .script(
            "return Array.prototype.map.call(document.querySelectorAll('li.net.blocked'), \
             function (li) { return li.textContent; }).join('\\n');",
        )
        .await;
    assert!(
        blocked
            .as_str()
            .is_some_and(|t| t.contains("blocked-live.example")),
        "not marked blocked: {blocked}"
    );
    let shot = browser.screenshot("").await;
    eprintln!("screenshot: {}", shot.display());
    assert_eq!(
        browser.script("return window.__noReload || 0;").await,
        1,
        "the page was reloaded"
    );
    drop(browser);
    setup.stop().await;
}

#[actix::test]
async fn the_task_pages_todo_list_advances_live() {
    let server = ModelServer::start_for_containers(
        Script::new()
            .turn(
                Turn::tool(ToolUse::todo_write(&[
                    ("Alpha step", "pending"),
                    ("Beta step", "pending"),
                ]))
                .delay(Duration::from_secs(1)),
            )
            .turn(
                Turn::tool(ToolUse::todo_write(&[
                    ("Alpha step", "completed"),
                    ("Beta step", "in_progress"),
                ]))
                .delay(Duration::from_secs(12)),
            )
            .turn(Turn::text("Todos done.").delay(Duration::from_secs(4))),
    );
    let setup = setup(&server).await;
    // chromium starts first: under load its start takes seconds, and the
    // page must be open while the first list is still current
    let browser = Browser::start("todo-live").await;
    let conversation = submit(&setup.repo, "td1", "Plan and work.").await;
    wait_model_requests(&server, 1).await;
    browser
        .open(&format!("{}/task/{conversation}-1", setup.web.base))
        .await;
    browser.wait_live().await;
    browser.script("window.__noReload = 1; return 1;").await;
    let todos = "return Array.prototype.map.call(document.querySelectorAll('li.todo'), \
                 function (li) { return li.className + ':' + li.textContent.trim(); }).join('\\n');";
    let wait_todos = async |what: &str, want: &dyn Fn(&str) -> bool| {
        let waited = tokio::time::Instant::now();
        loop {
            let value = browser.script(todos).await;
            let list = value.as_str().unwrap_or_default().to_string();
            if want(&list) {
                return list;
            }
            if waited.elapsed() > PATIENCE {
                let shot = browser.screenshot("-failed").await;
                panic!("never saw {what} (screenshot {}): {list}", shot.display());
            }
            tokio::time::sleep(POLL).await;
        }
    };
    let first = wait_todos("the first list", &|l| {
        l.contains("Alpha step") && l.contains("Beta step")
    })
    .await;
    assert!(!first.contains("completed"), "{first}");
    wait_todos("Alpha step completed", &|l| {
        l.lines()
            .any(|li| li.contains("completed") && li.contains("Alpha step"))
    })
    .await;
    let shot = browser.screenshot("").await;
    eprintln!("screenshot: {}", shot.display());
    assert_eq!(
        browser.script("return window.__noReload || 0;").await,
        1,
        "the page was reloaded"
    );
    setup
        .fx
        .channels
        .channel("alpha")
        .wait_for_answers(1, Duration::from_secs(60))
        .await;
    drop(browser);
    setup.stop().await;
}

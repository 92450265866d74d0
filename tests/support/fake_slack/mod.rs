//! A fake Slack for the integration tests: the Web API methods Airut's Slack
//! channel uses, file hosting and the external upload flow over HTTP, and
//! Socket Mode over a WebSocket — Slack's wire formats, so that slack-morphism
//! runs unchanged against it (spec/test-environment.md, "Fake Slack").
//!
//! It runs on its own thread with its own tokio runtime, so it serves while
//! a test's runtime (actix, tokio, or none) is busy. Waits come in two forms:
//! `wait_*` block the calling thread (plain `#[test]`, or a multi-threaded
//! runtime), `wait_*_async` poll without blocking (actix and current-thread
//! tokio tests, where blocking would stall the gateway under test).

mod http;
mod objects;
mod socket_mode;
mod state;
mod types;
mod web_api;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub use types::{Delivery, FakeUser, Upload, UserMessage};

use state::{HostedFile, State};

/// The bot token (`xoxb-`) every Web API method except
/// `apps.connections.open` requires.
pub const BOT_TOKEN: &str = "xoxb-11111-22222-fakebottoken";
/// The app-level token (`xapp-`) `apps.connections.open` requires.
pub const APP_TOKEN: &str = "xapp-1-A0FAKE-33333-fakeapptoken";
pub const TEAM_ID: &str = "T0FAKE";
pub const BOT_USER_ID: &str = "U0BOT";
pub const BOT_ID: &str = "B0BOT";
pub const APP_ID: &str = "A0FAKE";

pub(super) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock must not hide its
        // own failure behind a poison error in the server.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct FakeSlack {
    shared: Arc<Shared>,
    http_addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeSlack {
    /// Binds 127.0.0.1 on two free ports (Web API, Socket Mode) and serves.
    pub fn start() -> FakeSlack {
        let http = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake Slack API");
        let ws = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake Slack socket");
        let foreign = std::net::TcpListener::bind("127.0.0.1:0").expect("bind foreign host");
        let foreign_addr = foreign.local_addr().expect("foreign addr");
        foreign.set_nonblocking(true).expect("nonblocking");
        let http_addr = http.local_addr().expect("api addr");
        let ws_addr = ws.local_addr().expect("socket addr");
        http.set_nonblocking(true).expect("nonblocking");
        ws.set_nonblocking(true).expect("nonblocking");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(
                format!("http://{http_addr}"),
                format!("ws://{ws_addr}"),
                format!("http://{foreign_addr}"),
            )),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fake-slack".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("fake Slack runtime");
                runtime.block_on(async move {
                    let http = tokio::net::TcpListener::from_std(http).expect("api listener");
                    let ws = tokio::net::TcpListener::from_std(ws).expect("socket listener");
                    let foreign =
                        tokio::net::TcpListener::from_std(foreign).expect("foreign listener");
                    tokio::spawn(http::serve(http, server.clone(), false));
                    tokio::spawn(http::serve(foreign, server.clone(), true));
                    tokio::spawn(socket_mode::serve(ws, server.clone()));
                    tokio::spawn(socket_mode::redeliver(server));
                    let _ = stopped.await;
                });
                runtime.shutdown_background();
            })
            .expect("fake Slack thread");
        FakeSlack {
            shared,
            http_addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The base URL for `slack.api_url` (no trailing slash).
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.http_addr)
    }

    pub fn bot_token(&self) -> &'static str {
        BOT_TOKEN
    }

    pub fn app_token(&self) -> &'static str {
        APP_TOKEN
    }

    pub fn add_user(&self, user: FakeUser) {
        self.shared.lock().users.insert(user.id.clone(), user);
    }

    pub fn add_usergroup(&self, id: &str, handle: &str, members: &[&str]) {
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        let mut state = self.shared.lock();
        state.usergroups.retain(|(gid, _, _)| gid != id);
        state
            .usergroups
            .push((id.to_owned(), handle.to_owned(), members));
    }

    /// A channel (`C…` public, `G…` private) the bot is a member of.
    pub fn add_channel(&self, id: &str, name: &str) {
        self.shared
            .lock()
            .channels
            .insert(id.to_owned(), objects::channel(id, name));
    }

    /// Hosts a file a user shared; returns its file object for
    /// `UserMessage::with_file`.
    pub fn add_file(&self, id: &str, name: &str, bytes: &[u8]) -> Value {
        let mut state = self.shared.lock();
        state.files.insert(
            id.to_owned(),
            HostedFile {
                name: name.to_owned(),
                bytes: bytes.to_vec(),
            },
        );
        objects::file(&state.base_url, id, name, bytes.len(), "U0UPLOADER")
    }

    /// A file Slack will not serve to this app (not shared with it, or the
    /// app lacks `files:read`): even with the bot token the download gets
    /// the sign-in page with status 200, as real Slack answers.
    pub fn add_refused_file(&self, id: &str, name: &str) -> Value {
        let file = self.add_file(id, name, b"never served");
        self.shared.lock().refused_files.insert(id.to_owned());
        file
    }

    /// A file whose URLs point at another host (same loopback, another
    /// port): the bot token must never be sent there. Requests are listed
    /// by `foreign_requests`; one carrying a token is an auth failure.
    pub fn add_foreign_file(&self, id: &str, name: &str, bytes: &[u8]) -> Value {
        let mut state = self.shared.lock();
        state.files.insert(
            id.to_owned(),
            HostedFile {
                name: name.to_owned(),
                bytes: bytes.to_vec(),
            },
        );
        objects::file(&state.foreign_url, id, name, bytes.len(), "U0UPLOADER")
    }

    /// Requests the foreign host got: (path, whether a token came along).
    pub fn foreign_requests(&self) -> Vec<(String, bool)> {
        self.shared.lock().foreign_requests.clone()
    }

    /// Stores a message in the channel's history without delivering an event
    /// (what was said in a thread before the bot was mentioned).
    pub fn seed_message(&self, m: UserMessage) -> String {
        let mut state = self.shared.lock();
        let (ts, _) = Self::store_user_message(&mut state, &m);
        ts
    }

    /// A user posts: the message goes into the history and to the app as
    /// `message` (with `channel_type`) or `app_mention` (+ `message`) events.
    pub fn user_message(&self, m: UserMessage) -> Delivery {
        let mut state = self.shared.lock();
        let (ts, message) = Self::store_user_message(&mut state, &m);
        let mut event = message;
        event["channel"] = json!(m.channel);
        event["event_ts"] = json!(ts);
        let mut envelopes = Vec::new();
        let mut event_ids = Vec::new();
        if m.mention && web_api::channel_type(&m.channel) != "im" {
            let mut mention = event.clone();
            mention["type"] = json!("app_mention");
            mention.as_object_mut().map(|o| o.remove("subtype"));
            let (event_id, payload) = state.event_payload(mention);
            event_ids.push(event_id);
            envelopes.push(state.enqueue(payload, 0));
        }
        event["channel_type"] = json!(web_api::channel_type(&m.channel));
        let (event_id, payload) = state.event_payload(event);
        event_ids.push(event_id);
        envelopes.push(state.enqueue(payload, 0));
        Delivery {
            envelope_id: envelopes.remove(0),
            event_id: event_ids.remove(0),
            thread_ts: m.thread_ts.clone().unwrap_or_else(|| ts.clone()),
            ts,
            channel: m.channel,
            also: envelopes,
        }
    }

    fn store_user_message(state: &mut State, m: &UserMessage) -> (String, Value) {
        if !m.channel.starts_with('D') && !state.channels.contains_key(&m.channel) {
            let channel = objects::channel(&m.channel, &m.channel.to_lowercase());
            state.channels.insert(m.channel.clone(), channel);
        }
        let ts = state.next_ts();
        let mut message = json!({
            "type": "message",
            "user": m.user,
            "text": m.text,
            "ts": ts,
            "team": TEAM_ID,
            "client_msg_id": format!("{}-fake-msg", state.next_id("c")),
            "blocks": objects::rich_text(&m.text),
        });
        if let Some(thread_ts) = &m.thread_ts {
            message["thread_ts"] = json!(thread_ts);
            message["parent_user_id"] = state
                .find_message_mut(&m.channel, thread_ts)
                .map(|p| p["user"].clone())
                .unwrap_or(Value::Null);
        }
        if !m.files.is_empty() {
            message["files"] = json!(m.files);
            message["upload"] = json!(false);
            message["subtype"] = json!("file_share");
        }
        if let Some(subtype) = &m.subtype {
            message["subtype"] = json!(subtype);
        }
        if let Some(bot_id) = &m.bot_id {
            message["bot_id"] = json!(bot_id);
            message.as_object_mut().map(|o| o.remove("client_msg_id"));
        }
        state.store_message(&m.channel, message.clone());
        (ts, message)
    }

    /// The Agents & AI Apps surface: the user opened a new assistant thread
    /// in their DM with the app.
    pub fn assistant_thread_started(&self, user: &str, channel: &str) -> Delivery {
        let mut state = self.shared.lock();
        let ts = state.next_ts();
        // The thread's root is the app's own `assistant_app_thread` message.
        let mut root = objects::bot_message(&ts, "");
        root["subtype"] = json!("assistant_app_thread");
        root["assistant_app_thread"] = json!({ "title": "", "title_blocks": [], "artifacts": [] });
        state.store_message(channel, root);
        let event = json!({
            "type": "assistant_thread_started",
            "assistant_thread": {
                "user_id": user,
                "context": { "channel_id": null, "team_id": TEAM_ID, "enterprise_id": null },
                "channel_id": channel,
                "thread_ts": ts,
            },
            "event_ts": state.next_ts(),
        });
        let (event_id, payload) = state.event_payload(event);
        let envelope_id = state.enqueue(payload, 0);
        Delivery {
            envelope_id,
            event_id,
            thread_ts: ts.clone(),
            ts,
            channel: channel.to_owned(),
            also: Vec::new(),
        }
    }

    /// Delivers any event as an `events_api` envelope.
    pub fn deliver_event(&self, event: Value) -> Delivery {
        let mut state = self.shared.lock();
        let ts = event["ts"]
            .as_str()
            .or(event["event_ts"].as_str())
            .unwrap_or_default()
            .to_owned();
        let thread_ts = event["thread_ts"].as_str().unwrap_or(&ts).to_owned();
        let channel = event["channel"].as_str().unwrap_or_default().to_owned();
        let (event_id, payload) = state.event_payload(event);
        let envelope_id = state.enqueue(payload, 0);
        Delivery {
            envelope_id,
            event_id,
            ts,
            channel,
            thread_ts,
            also: Vec::new(),
        }
    }

    /// Slack's retry of the same event: a new envelope, `retry_attempt` + 1.
    pub fn redeliver(&self, d: &Delivery) -> Delivery {
        let mut state = self.shared.lock();
        let envelope_id = state
            .retry(&d.envelope_id)
            .unwrap_or_else(|| panic!("unknown envelope {}", d.envelope_id));
        Delivery {
            envelope_id,
            also: Vec::new(),
            ..d.clone()
        }
    }

    /// How long an envelope may stay unacknowledged before Slack retries it
    /// (`None`: never). Default 5 s.
    pub fn set_redelivery(&self, after: Option<Duration>) {
        self.shared.lock().redeliver_after = after;
    }

    /// Whether the bot's own posts come back as `message` events, as they
    /// do from real Slack. Off by default.
    pub fn set_echo_bot_messages(&self, echo: bool) {
        self.shared.lock().echo_bot_messages = echo;
    }

    pub fn is_acked(&self, d: &Delivery) -> bool {
        self.shared
            .lock()
            .envelopes
            .get(&d.envelope_id)
            .is_some_and(|e| e.acked)
    }

    /// Every acknowledgement received, in order (an envelope acked twice
    /// appears twice).
    pub fn acks(&self) -> Vec<String> {
        self.shared.lock().acks.clone()
    }

    /// Envelopes Slack has sent for this event (first delivery and retries).
    pub fn attempts(&self, d: &Delivery) -> usize {
        let state = self.shared.lock();
        state
            .envelopes
            .values()
            .filter(|e| e.payload["event_id"] == d.event_id.as_str() && e.sent.is_some())
            .count()
    }

    pub fn connected(&self) -> usize {
        self.shared.lock().sockets.len()
    }

    /// How many WebSocket connections were ever accepted.
    pub fn connections_opened(&self) -> u64 {
        self.shared.lock().connections_opened
    }

    /// Closes every socket with a close frame, as Slack does when it
    /// rotates connections; clients reconnect through `apps.connections.open`.
    pub fn drop_connections(&self) {
        let mut state = self.shared.lock();
        for socket in state.sockets.values() {
            let _ = socket.tx.send(Message::Close(Some(CloseFrame {
                code: CloseCode::Away,
                reason: "fake outage".into(),
            })));
        }
        state.sockets.clear();
    }

    /// Sends `{"type":"disconnect"}` on every socket (`refresh_requested`,
    /// `warning`, `link_disabled`).
    pub fn send_disconnect(&self, reason: &str) {
        let state = self.shared.lock();
        let frame = json!({
            "type": "disconnect",
            "reason": reason,
            "debug_info": { "host": "applink-fake-1" },
        });
        for socket in state.sockets.values() {
            let _ = socket.tx.send(Message::text(frame.to_string()));
        }
    }

    /// Arguments of every call of `method` so far (token never included).
    /// Downloads of hosted files are recorded as method `files-pri`.
    pub fn calls(&self, method: &str) -> Vec<Value> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, a)| a.clone())
            .collect()
    }

    /// Every call so far as (method, arguments), in order.
    pub fn all_calls(&self) -> Vec<(String, Value)> {
        self.shared.lock().calls.clone()
    }

    /// Requests refused for their token: `"<method>: <error>"` (no token).
    pub fn auth_failures(&self) -> Vec<String> {
        self.shared.lock().auth_failures.clone()
    }

    /// The thread as `conversations.replies` would return it.
    pub fn thread_messages(&self, channel: &str, thread_ts: &str) -> Vec<Value> {
        self.shared.lock().thread(channel, thread_ts)
    }

    /// What the bot posted in a thread (not the assistant thread's root,
    /// which Slack creates).
    pub fn bot_posts(&self, channel: &str, thread_ts: &str) -> Vec<Value> {
        self.thread_messages(channel, thread_ts)
            .into_iter()
            .filter(|m| m["user"] == BOT_USER_ID && m["subtype"] != "assistant_app_thread")
            .collect()
    }

    /// A message by ts, wherever it is in a channel's history.
    pub fn message(&self, channel: &str, ts: &str) -> Option<Value> {
        self.shared.lock().find_message_mut(channel, ts).cloned()
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.lock().uploads.clone()
    }

    /// The next call of `method` answers `{"ok": false, "error": error}`.
    pub fn fail_next(&self, method: &str, error: &str) {
        self.shared
            .lock()
            .failures
            .entry(method.to_owned())
            .or_default()
            .push_back(error.to_owned());
    }

    /// The next call of `method` answers 429 with `Retry-After`.
    pub fn rate_limit_next(&self, method: &str, retry_after_secs: u64) {
        self.shared
            .lock()
            .rate_limits
            .insert(method.to_owned(), retry_after_secs);
    }

    pub fn wait_acked(&self, d: &Delivery, timeout: Duration) -> bool {
        block_until(timeout, || self.is_acked(d).then_some(())).is_some()
    }

    pub async fn wait_acked_async(&self, d: &Delivery, timeout: Duration) -> bool {
        poll_until(timeout, || self.is_acked(d).then_some(()))
            .await
            .is_some()
    }

    pub fn wait_connected(&self, n: usize, timeout: Duration) -> bool {
        block_until(timeout, || (self.connected() >= n).then_some(())).is_some()
    }

    pub async fn wait_connected_async(&self, n: usize, timeout: Duration) -> bool {
        poll_until(timeout, || (self.connected() >= n).then_some(()))
            .await
            .is_some()
    }

    /// The first call of `method` whose arguments satisfy `pred`.
    pub fn wait_call(
        &self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Option<Value> {
        block_until(timeout, || self.calls(method).into_iter().find(|a| pred(a)))
    }

    pub async fn wait_call_async(
        &self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Option<Value> {
        poll_until(timeout, || self.calls(method).into_iter().find(|a| pred(a))).await
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Polls from a thread that may block. On a current-thread runtime that
/// would stall everything else on it, so it refuses.
fn block_until<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        assert!(
            handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread,
            "a blocking FakeSlack wait on a current-thread runtime (actix) stalls it: use the _async variant"
        );
        return tokio::task::block_in_place(|| block_until_inner(timeout, probe));
    }
    block_until_inner(timeout, &mut probe)
}

fn block_until_inner<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if start.elapsed() >= timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn poll_until<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if start.elapsed() >= timeout {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

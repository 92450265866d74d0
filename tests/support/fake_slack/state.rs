//! The fake workspace: users, channels, message history per channel,
//! hosted files, uploads, recorded calls, and the Socket Mode envelopes
//! with the sockets they go to. Everything is mutated under one lock.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tokio_tungstenite::tungstenite::Message;

use super::types::{FakeUser, Upload};
use super::{APP_ID, TEAM_ID};

/// How many times Slack retries an envelope nobody acknowledged.
const MAX_RETRIES: u32 = 3;

pub(super) struct HostedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub(super) struct PendingUpload {
    pub name: String,
    pub length: usize,
    pub upload_id: String,
    pub bytes: Option<Vec<u8>>,
}

pub(super) struct Socket {
    pub tx: UnboundedSender<Message>,
}

pub(super) struct Envelope {
    pub payload: Value,
    pub attempt: u32,
    pub sent: Option<(u64, Instant)>,
    pub acked: bool,
    /// A later attempt replaced this one (timeout or a socket that closed).
    pub superseded: bool,
}

pub(super) struct State {
    pub base_url: String,
    pub ws_url: String,
    pub users: BTreeMap<String, FakeUser>,
    pub usergroups: Vec<(String, String, Vec<String>)>,
    pub channels: BTreeMap<String, Value>,
    pub messages: BTreeMap<String, Vec<Value>>,
    pub files: BTreeMap<String, HostedFile>,
    /// Files Slack will not serve to this app: the sign-in page, status 200.
    pub refused_files: BTreeSet<String>,
    pub pending_uploads: BTreeMap<String, PendingUpload>,
    pub uploads: Vec<Upload>,
    pub calls: Vec<(String, Value)>,
    pub auth_failures: Vec<String>,
    pub failures: BTreeMap<String, VecDeque<String>>,
    pub rate_limits: BTreeMap<String, u64>,
    pub last_ts_micros: u64,
    pub next_id: u64,
    pub tickets: BTreeSet<String>,
    pub sockets: BTreeMap<u64, Socket>,
    pub connections_opened: u64,
    pub round_robin: usize,
    pub envelopes: BTreeMap<String, Envelope>,
    pub envelope_order: Vec<String>,
    pub waiting: VecDeque<String>,
    pub acks: Vec<String>,
    pub redeliver_after: Option<Duration>,
    pub echo_bot_messages: bool,
    /// Requests to the foreign host: (path, carried a token).
    pub foreign_requests: Vec<(String, bool)>,
    pub foreign_url: String,
}

impl State {
    pub fn new(base_url: String, ws_url: String, foreign_url: String) -> State {
        State {
            base_url,
            ws_url,
            users: BTreeMap::new(),
            usergroups: Vec::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            files: BTreeMap::new(),
            refused_files: BTreeSet::new(),
            pending_uploads: BTreeMap::new(),
            uploads: Vec::new(),
            calls: Vec::new(),
            auth_failures: Vec::new(),
            failures: BTreeMap::new(),
            rate_limits: BTreeMap::new(),
            last_ts_micros: 0,
            next_id: 1,
            tickets: BTreeSet::new(),
            sockets: BTreeMap::new(),
            connections_opened: 0,
            round_robin: 0,
            envelopes: BTreeMap::new(),
            envelope_order: Vec::new(),
            waiting: VecDeque::new(),
            acks: Vec::new(),
            redeliver_after: Some(Duration::from_secs(5)),
            echo_bot_messages: false,
            foreign_requests: Vec::new(),
            foreign_url,
        }
    }

    /// A message timestamp: wall-clock seconds and a strictly increasing
    /// microsecond part, unique per workspace as Slack's are per channel.
    pub fn next_ts(&mut self) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or_default();
        self.last_ts_micros = now.max(self.last_ts_micros + 1);
        format!(
            "{}.{:06}",
            self.last_ts_micros / 1_000_000,
            self.last_ts_micros % 1_000_000
        )
    }

    /// A fresh id with Slack's prefix letter (`F` file, `Ev` event, …).
    pub fn next_id(&mut self, prefix: &str) -> String {
        let n = self.next_id;
        self.next_id += 1;
        format!("{prefix}0FAKE{n:06}")
    }

    pub fn is_known_channel(&self, channel: &str) -> bool {
        channel.starts_with('D') || self.channels.contains_key(channel)
    }

    /// Stores a message in its channel's history; a reply also updates its
    /// parent's thread fields as `conversations.replies` reports them.
    pub fn store_message(&mut self, channel: &str, message: Value) {
        let history = self.messages.entry(channel.to_owned()).or_default();
        let thread_ts = message["thread_ts"].as_str().map(str::to_owned);
        let ts = message["ts"].as_str().unwrap_or_default().to_owned();
        if let Some(thread_ts) = thread_ts.filter(|t| *t != ts) {
            let user = message["user"].clone();
            if let Some(parent) = history.iter_mut().find(|m| m["ts"] == thread_ts.as_str()) {
                parent["thread_ts"] = json!(thread_ts);
                let count = parent["reply_count"].as_u64().unwrap_or(0) + 1;
                parent["reply_count"] = json!(count);
                parent["latest_reply"] = json!(ts);
                let mut users: Vec<Value> = parent["reply_users"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if !users.contains(&user) {
                    users.push(user);
                }
                parent["reply_users_count"] = json!(users.len());
                parent["reply_users"] = json!(users);
            }
        }
        history.push(message);
    }

    pub fn find_message_mut(&mut self, channel: &str, ts: &str) -> Option<&mut Value> {
        self.messages
            .get_mut(channel)?
            .iter_mut()
            .find(|m| m["ts"] == ts)
    }

    /// The thread as `conversations.replies` lists it: parent first, then
    /// the replies in order.
    pub fn thread(&self, channel: &str, thread_ts: &str) -> Vec<Value> {
        let Some(history) = self.messages.get(channel) else {
            return Vec::new();
        };
        let mut thread: Vec<Value> = history
            .iter()
            .filter(|m| m["ts"] == thread_ts || m["thread_ts"] == thread_ts)
            .cloned()
            .collect();
        thread.sort_by(|a, b| {
            let key = |m: &Value| m["ts"].as_str().unwrap_or_default().to_owned();
            key(a).cmp(&key(b))
        });
        thread
    }

    /// Queues an Events API payload as a new envelope and sends it if a
    /// socket is connected. Returns the envelope id.
    pub fn enqueue(&mut self, payload: Value, attempt: u32) -> String {
        let envelope_id = format!(
            "{:08x}-fake-{:04x}-envelope",
            self.next_id.wrapping_mul(2_654_435_761) & 0xffff_ffff,
            self.next_id
        );
        self.next_id += 1;
        self.envelopes.insert(
            envelope_id.clone(),
            Envelope {
                payload,
                attempt,
                sent: None,
                acked: false,
                superseded: false,
            },
        );
        self.envelope_order.push(envelope_id.clone());
        self.waiting.push_back(envelope_id.clone());
        self.flush();
        envelope_id
    }

    /// Sends waiting envelopes, each to one connected socket in turn (Slack
    /// spreads envelopes over an app's connections).
    pub fn flush(&mut self) {
        while !self.sockets.is_empty() {
            let Some(envelope_id) = self.waiting.pop_front() else {
                return;
            };
            let ids: Vec<u64> = self.sockets.keys().copied().collect();
            let socket_id = ids[self.round_robin % ids.len()];
            self.round_robin += 1;
            let Some(envelope) = self.envelopes.get_mut(&envelope_id) else {
                continue;
            };
            let frame = json!({
                "envelope_id": envelope_id,
                "type": "events_api",
                "accepts_response_payload": false,
                "retry_attempt": envelope.attempt,
                "retry_reason": if envelope.attempt == 0 { "" } else { "timeout" },
                "payload": envelope.payload,
            });
            let sent = self.sockets[&socket_id]
                .tx
                .send(Message::text(frame.to_string()));
            if sent.is_err() {
                self.sockets.remove(&socket_id);
                self.waiting.push_front(envelope_id);
                continue;
            }
            envelope.sent = Some((socket_id, Instant::now()));
        }
    }

    /// A new attempt of an envelope, as Slack retries one that was not
    /// acknowledged; the old one is superseded.
    pub fn retry(&mut self, envelope_id: &str) -> Option<String> {
        let envelope = self.envelopes.get_mut(envelope_id)?;
        envelope.superseded = true;
        let payload = envelope.payload.clone();
        let attempt = envelope.attempt + 1;
        Some(self.enqueue(payload, attempt))
    }

    /// Envelopes that waited too long for an acknowledgement, or whose
    /// socket closed before acknowledging them, get another attempt.
    pub fn retry_overdue(&mut self, closed_socket: Option<u64>) {
        let overdue: Vec<String> = self
            .envelopes
            .iter()
            .filter(|(_, e)| !e.acked && !e.superseded && e.attempt < MAX_RETRIES)
            .filter(|(_, e)| match e.sent {
                Some((socket, _)) if Some(socket) == closed_socket => true,
                Some((_, at)) => self
                    .redeliver_after
                    .is_some_and(|after| at.elapsed() >= after),
                None => false,
            })
            .map(|(id, _)| id.clone())
            .collect();
        for envelope_id in overdue {
            self.retry(&envelope_id);
        }
    }

    pub fn ack(&mut self, envelope_id: &str) {
        self.acks.push(envelope_id.to_owned());
        if let Some(envelope) = self.envelopes.get_mut(envelope_id) {
            envelope.acked = true;
        }
    }

    /// Wraps an event in the `event_callback` payload of the Events API.
    pub fn event_payload(&mut self, event: Value) -> (String, Value) {
        let event_id = self.next_id("Ev");
        let event_time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let payload = json!({
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": event_time,
            "is_ext_shared_channel": false,
        });
        (event_id, payload)
    }

    pub fn hello(&self) -> Message {
        Message::text(
            json!({
                "type": "hello",
                "num_connections": self.sockets.len(),
                "debug_info": {
                    "host": "applink-fake-1",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": { "app_id": APP_ID },
            })
            .to_string(),
        )
    }
}

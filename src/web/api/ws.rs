//! `GET /api/ws`: one WebSocket per page, with topic subscriptions fed by
//! the hub's broadcast (spec/dashboard-api.md). A session holds its topic
//! set, a line cursor per followed events log and one broadcast receiver;
//! a session that falls behind the broadcast gets fresh snapshots instead
//! of slowing anyone down.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{Error, HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, Closed, Session};
use airut_actors::hub::{GatewayEvent, HubSnapshot, Subscribe, now_ms};
use airut_actors::intake::ConversationId;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::blocking;
use super::conversations::{
    EVENTS_LOG, conversation_detail, find_task, load_conversation, log_path,
};
use super::files::{self, PAGE_LINES, json_lines};
use super::state::repo_views;
use super::topics::Topic;
use super::watch::{FileWatch, watch_file};
use crate::web::WebState;

/// Subscriptions one session may hold.
const MAX_SUBSCRIPTIONS: usize = 32;
/// Largest client message.
const MAX_MESSAGE: usize = 64 * 1024;
/// Lines of a log just read that a live event may repeat (it was written
/// before the session's receiver saw it).
const REPEAT_WINDOW: usize = 16;
const PING_EVERY: Duration = Duration::from_secs(30);

type Hub = Receiver<std::sync::Arc<GatewayEvent>>;

pub async fn ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Error> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream
        .max_frame_size(MAX_MESSAGE)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE);
    actix_web::rt::spawn(async move {
        let mut conn = Conn {
            state,
            session,
            topics: BTreeSet::new(),
            events: BTreeMap::new(),
            network: BTreeMap::new(),
            wake: Arc::new(Notify::new()),
        };
        let _ = conn.run(stream).await;
        let _ = conn.session.close(None).await;
    });
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientMessage {
    subscribe: Option<String>,
    unsubscribe: Option<String>,
    cursor: Option<u64>,
}

/// Where a followed events log stands.
struct Follow {
    /// Lines sent so far.
    cursor: u64,
    /// The last lines read from the file, `(task_id, event)`, until the
    /// first live event that is not one of them.
    recent: VecDeque<(String, Value)>,
}

/// A followed network log.
struct NetFollow {
    cursor: u64,
    path: PathBuf,
    _watch: FileWatch,
}

struct Conn {
    state: web::Data<WebState>,
    session: Session,
    /// State, task and conversation topics.
    topics: BTreeSet<Topic>,
    events: BTreeMap<ConversationId, Follow>,
    network: BTreeMap<ConversationId, NetFollow>,
    /// Woken by the file watcher when a followed network log grows.
    wake: Arc<Notify>,
}

impl Conn {
    async fn run(&mut self, mut stream: actix_ws::AggregatedMessageStream) -> Result<(), Closed> {
        let Ok((_, mut rx)) = self.state.hub.send(Subscribe).await else {
            return Err(Closed);
        };
        let hello = json!({"type": "hello", "instance": self.state.instance_id});
        self.send(&hello).await?;
        let wake = Arc::clone(&self.wake);
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                msg = stream.recv() => match msg {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        if let Some(new_rx) = self.client_message(&text).await? {
                            rx = new_rx;
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => self.session.pong(&bytes).await?,
                    Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => return Ok(()),
                    Some(Ok(_)) => {}
                },
                event = rx.recv() => match event {
                    Ok(event) => self.push(&event).await?,
                    Err(RecvError::Lagged(_)) => rx = self.resync("resync").await?,
                    Err(RecvError::Closed) => return Ok(()),
                },
                _ = wake.notified() => self.network_catch_up().await?,
                _ = ping.tick() => self.session.ping(b"").await?,
            }
        }
    }

    async fn send(&mut self, value: &Value) -> Result<(), Closed> {
        self.session.text(value.to_string()).await
    }

    async fn error(&mut self, topic: Option<&str>, message: &str) -> Result<(), Closed> {
        self.send(&json!({"type": "error", "topic": topic, "message": message}))
            .await
    }

    /// Handles one client message; returns the new receiver when the
    /// subscription took a new hub snapshot.
    async fn client_message(&mut self, text: &str) -> Result<Option<Hub>, Closed> {
        let Ok(msg) = serde_json::from_str::<ClientMessage>(text) else {
            self.error(
                None,
                "expected {\"subscribe\": topic} or {\"unsubscribe\": topic}",
            )
            .await?;
            return Ok(None);
        };
        if let Some(name) = &msg.unsubscribe {
            match Topic::parse(name) {
                Some(Topic::Events(id)) => {
                    self.events.remove(&id);
                }
                Some(Topic::Network(id)) => {
                    self.network.remove(&id);
                }
                Some(topic) => {
                    self.topics.remove(&topic);
                }
                None => self.error(Some(name), "unknown topic").await?,
            }
        }
        let Some(name) = msg.subscribe else {
            return Ok(None);
        };
        let Some(topic) = Topic::parse(&name) else {
            self.error(Some(&name), "unknown topic").await?;
            return Ok(None);
        };
        if self.topics.len() + self.events.len() + self.network.len() >= MAX_SUBSCRIPTIONS {
            self.error(Some(&name), "too many subscriptions").await?;
            return Ok(None);
        }
        match topic {
            Topic::Network(id) => {
                self.network_backlog(&id, msg.cursor.unwrap_or(0)).await?;
                Ok(None)
            }
            Topic::Events(id) => {
                let follow = Follow {
                    cursor: msg.cursor.unwrap_or(0),
                    recent: VecDeque::new(),
                };
                self.events.insert(id.clone(), follow);
                self.events_backlog(&id, "append").await?;
                Ok(None)
            }
            topic => {
                self.topics.insert(topic);
                // A snapshot and the receiver after it come together from
                // the hub; every topic gets a snapshot matching the new
                // receiver.
                self.resync("snapshot").await.map(Some)
            }
        }
    }

    /// Takes a new hub snapshot and receiver and sends every subscription
    /// its current state (`kind` is `snapshot` or `resync`).
    async fn resync(&mut self, kind: &str) -> Result<Hub, Closed> {
        let Ok((snapshot, rx)) = self.state.hub.send(Subscribe).await else {
            return Err(Closed);
        };
        let topics: Vec<Topic> = self.topics.iter().cloned().collect();
        for topic in topics {
            let message = self.snapshot_message(kind, &topic, &snapshot).await;
            self.send(&message).await?;
        }
        let follows: Vec<ConversationId> = self.events.keys().cloned().collect();
        for id in follows {
            self.events_backlog(&id, kind).await?;
        }
        Ok(rx)
    }

    async fn snapshot_message(&self, kind: &str, topic: &Topic, snapshot: &HubSnapshot) -> Value {
        let name = topic.name();
        let state = &self.state;
        match topic {
            Topic::State => json!({
                "type": kind,
                "topic": name,
                "state": {
                    "instance": state.instance_id,
                    "boot": snapshot.boot,
                    "repos": repo_views(&snapshot.repos, &snapshot.channels),
                    "tasks": snapshot.tasks,
                    "queued_messages": snapshot.queued_messages,
                    "rejections": snapshot.rejections,
                },
            }),
            Topic::Task(id) => {
                let task = find_task(snapshot, &state.store, id).await.ok().flatten();
                json!({"type": kind, "topic": name, "task": task})
            }
            Topic::Conversation(id) => {
                let detail = match load_conversation(&state.store, id.as_str()).await {
                    Ok((id, record)) => {
                        conversation_detail(state, snapshot, &id, record).await.ok()
                    }
                    Err(_) => None,
                };
                json!({"type": kind, "topic": name, "conversation": detail})
            }
            Topic::Events(_) | Topic::Network(_) => json!({"type": kind, "topic": name}),
        }
    }

    /// Sends the lines of `events.jsonl` after the follow's cursor, at
    /// least one `append` (possibly empty, to confirm the cursor).
    async fn events_backlog(&mut self, id: &ConversationId, kind: &str) -> Result<(), Closed> {
        let name = Topic::Events(id.clone()).name();
        let path = match log_path(&self.state, id.as_str(), EVENTS_LOG).await {
            Ok(path) => path,
            Err(err) => {
                self.events.remove(id);
                return self.error(Some(&name), &err.to_string()).await;
            }
        };
        let Some(mut cursor) = self.events.get(id).map(|f| f.cursor) else {
            return Ok(());
        };
        let mut recent = VecDeque::new();
        loop {
            let read_path = path.clone();
            let page =
                match blocking(move || files::read_page(&read_path, cursor, PAGE_LINES)).await {
                    Ok(Ok(page)) => page,
                    Ok(Err(err)) => return self.error(Some(&name), &err.to_string()).await,
                    Err(err) => return self.error(Some(&name), &err.to_string()).await,
                };
            let lines = json_lines(page.lines);
            for line in lines.iter().rev().take(REPEAT_WINDOW).rev() {
                if let (Some(task_id), Some(event)) = (
                    line.get("task_id").and_then(Value::as_str),
                    line.get("event"),
                ) {
                    recent.push_back((task_id.to_string(), event.clone()));
                }
            }
            while recent.len() > REPEAT_WINDOW {
                recent.pop_front();
            }
            cursor = page.cursor;
            let message = json!({"type": "append", "topic": name, "cursor": cursor, "lines": lines, "resync": kind == "resync"});
            self.send(&message).await?;
            if !page.more {
                break;
            }
        }
        if let Some(follow) = self.events.get_mut(id) {
            follow.cursor = cursor;
            follow.recent = recent;
        }
        Ok(())
    }

    /// The network log after `cursor`, then (when its directory exists)
    /// a follow woken by the file watcher.
    async fn network_backlog(&mut self, id: &ConversationId, cursor: u64) -> Result<(), Closed> {
        let name = Topic::Network(id.clone()).name();
        let path = match log_path(
            &self.state,
            id.as_str(),
            airut_actors::task_runner::NETWORK_LOG,
        )
        .await
        {
            Ok(path) => path,
            Err(err) => return self.error(Some(&name), &err.to_string()).await,
        };
        self.network.remove(id);
        // watch first: a line written during the read wakes a re-read
        let watch = watch_file(&path, Arc::clone(&self.wake)).ok();
        let live = watch.is_some();
        let Some(cursor) = self.send_lines(&name, &path, cursor, live).await? else {
            return Ok(());
        };
        if let Some(watch) = watch {
            let follow = NetFollow {
                cursor,
                path,
                _watch: watch,
            };
            self.network.insert(id.clone(), follow);
        }
        Ok(())
    }

    /// Sends the lines after `cursor` of a network log as `append`s (at
    /// least one when `always`); returns the new cursor, `None` after
    /// reporting a read error.
    async fn send_lines(
        &mut self,
        name: &str,
        path: &std::path::Path,
        mut cursor: u64,
        live: bool,
    ) -> Result<Option<u64>, Closed> {
        let mut first = true;
        loop {
            let read_path = path.to_path_buf();
            let page =
                match blocking(move || files::read_page(&read_path, cursor, PAGE_LINES)).await {
                    Ok(Ok(page)) => page,
                    Ok(Err(err)) => {
                        self.error(Some(name), &err.to_string()).await?;
                        return Ok(None);
                    }
                    Err(err) => {
                        self.error(Some(name), &err.to_string()).await?;
                        return Ok(None);
                    }
                };
            if page.lines.is_empty() && !first {
                return Ok(Some(page.cursor));
            }
            first = false;
            cursor = page.cursor;
            let more = page.more;
            let message = json!({"type": "append", "topic": name, "cursor": cursor, "lines": json_lines(page.lines), "live": live});
            self.send(&message).await?;
            if !more {
                return Ok(Some(cursor));
            }
        }
    }

    /// After a wake: the new lines of every followed network log.
    async fn network_catch_up(&mut self) -> Result<(), Closed> {
        let follows: Vec<(ConversationId, PathBuf, u64)> = self
            .network
            .iter()
            .map(|(id, f)| (id.clone(), f.path.clone(), f.cursor))
            .collect();
        for (id, path, cursor) in follows {
            let name = Topic::Network(id.clone()).name();
            let page = blocking({
                let path = path.clone();
                move || files::read_page(&path, cursor, 0)
            })
            .await;
            // nothing new (the cheap check reads no line into memory)
            if matches!(page, Ok(Ok(ref p)) if !p.more) {
                continue;
            }
            if let Some(next) = self.send_lines(&name, &path, cursor, true).await?
                && let Some(follow) = self.network.get_mut(&id)
            {
                follow.cursor = next;
            }
        }
        Ok(())
    }

    /// Forwards one hub event to the topics that want it.
    async fn push(&mut self, event: &GatewayEvent) -> Result<(), Closed> {
        if let GatewayEvent::Claude { task, event: line } = event {
            let Some(follow) = self.events.get_mut(&task.conversation_id) else {
                return Ok(());
            };
            if let Some(pos) = follow
                .recent
                .iter()
                .position(|(t, e)| t == &task.task_id && e == line)
            {
                // already sent from the file
                follow.recent.drain(..=pos);
                return Ok(());
            }
            follow.recent.clear();
            follow.cursor += 1;
            let message = json!({
                "type": "append",
                "topic": Topic::Events(task.conversation_id.clone()).name(),
                "cursor": follow.cursor,
                "lines": [{"task_id": task.task_id, "at_ms": now_ms(), "event": line}],
            });
            return self.send(&message).await;
        }
        let wanted: Vec<String> = self
            .topics
            .iter()
            .filter(|t| t.wants(event))
            .map(Topic::name)
            .collect();
        for name in wanted {
            self.send(&json!({"type": "event", "topic": name, "event": event}))
                .await?;
        }
        // a removed conversation has no log left to follow
        if let GatewayEvent::ConversationRemoved {
            conversation_id, ..
        } = event
        {
            self.events.remove(conversation_id);
            self.network.remove(conversation_id);
        }
        Ok(())
    }
}

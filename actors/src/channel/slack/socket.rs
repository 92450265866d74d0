//! The Socket Mode client (reference §4.4), written on tokio-tungstenite
//! rather than slack-morphism's listener so that each envelope is
//! acknowledged only after its handler says so (after the message is
//! journaled), reconnects back off exponentially up to a cap, and every
//! state change reaches the dashboard as health.
//!
//! One connection per repo: `apps.connections.open` (app-level token,
//! through slack-morphism), then the WebSocket it names. `hello` means
//! connected; `disconnect` asks for a fresh connection; a close, an error
//! or silence past [`SILENCE_LIMIT`] reconnects.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use slack_morphism::prelude::{
    SlackApiAppsConnectionOpenRequest, SlackApiToken, SlackApiTokenValue,
};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tracing::{debug, info, warn};

use super::api::{SlackApi, api_error};
use crate::channel::ListenerHealth;
use crate::config::Secret;

/// We ping this often; Slack pings too.
const PING_INTERVAL: Duration = Duration::from_secs(15);
/// No frame at all for this long means the connection is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(60);
/// How long the server has to say `hello` after the handshake.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);

/// Gets the `payload` of every `events_api` envelope; the envelope is
/// acknowledged only if the returned future says `true`.
pub trait EnvelopeHandler: Send + Sync + 'static {
    fn handle(self: Arc<Self>, payload: Value) -> BoxFuture<'static, bool>;
}

pub struct SocketSettings {
    pub api: SlackApi,
    pub app_token: Secret,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

/// One Socket Mode frame, as far as the client reads it.
#[derive(Debug, Deserialize, PartialEq)]
pub struct Frame {
    #[serde(rename = "type")]
    pub kind: String,
    pub envelope_id: Option<String>,
    pub payload: Option<Value>,
    pub reason: Option<String>,
    pub retry_attempt: Option<u32>,
}

/// What to do with a text frame.
#[derive(Debug, PartialEq)]
pub enum Step {
    Hello,
    /// Slack asks for a new connection (`warning`, `refresh_requested`…).
    Disconnect(String),
    /// Run the handler, then acknowledge `envelope_id`.
    Event {
        envelope_id: String,
        payload: Value,
    },
    /// Acknowledge at once: envelope types the app does not use
    /// (interactivity is off) would otherwise be retried forever.
    AckOnly(String),
    Ignore,
}

/// Pure: sorts one text frame.
pub fn step(text: &str) -> Step {
    let Ok(frame) = serde_json::from_str::<Frame>(text) else {
        return Step::Ignore;
    };
    match (frame.kind.as_str(), frame.envelope_id) {
        ("hello", _) => Step::Hello,
        ("disconnect", _) => Step::Disconnect(frame.reason.unwrap_or_default()),
        ("events_api", Some(envelope_id)) => match frame.payload {
            Some(payload) => Step::Event {
                envelope_id,
                payload,
            },
            None => Step::AckOnly(envelope_id),
        },
        (_, Some(envelope_id)) => Step::AckOnly(envelope_id),
        _ => Step::Ignore,
    }
}

/// The acknowledgement frame for one envelope.
pub fn ack_frame(envelope_id: &str) -> String {
    serde_json::json!({ "envelope_id": envelope_id }).to_string()
}

/// The next wait after a failure: doubled, capped.
pub fn next_backoff(current: Duration, max: Duration) -> Duration {
    current.saturating_mul(2).min(max)
}

/// How one connection ended.
enum Ended {
    Stopped,
    /// Reconnect; `healthy` says whether the connection had worked (so
    /// the backoff starts over).
    Lost {
        error: String,
        healthy: bool,
    },
}

/// Runs until `stop` turns true.
pub async fn run(
    settings: SocketSettings,
    handler: Arc<dyn EnvelopeHandler>,
    health: watch::Sender<ListenerHealth>,
    mut stop: watch::Receiver<bool>,
) {
    let token = SlackApiToken::new(SlackApiTokenValue::new(
        settings.app_token.expose().to_string(),
    ));
    let mut backoff = settings.initial_backoff;
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            break;
        }
        match connect(&settings, &token, &handler, &health, &mut stop).await {
            Ended::Stopped => break,
            Ended::Lost { error, healthy } => {
                if healthy {
                    backoff = settings.initial_backoff;
                    failures = 0;
                }
                failures += 1;
                warn!(error, attempt = failures, wait = ?backoff, "slack: socket mode connection lost");
                let _ = health.send(ListenerHealth::Degraded {
                    error,
                    attempt: failures,
                });
                // Slack's own disconnect requests and a first failure
                // after a good connection reconnect at once.
                if !healthy || failures > 1 {
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => {}
                    }
                    backoff = next_backoff(backoff, settings.max_backoff);
                }
            }
        }
    }
    let _ = health.send(ListenerHealth::Stopped);
}

async fn connect(
    settings: &SocketSettings,
    token: &SlackApiToken,
    handler: &Arc<dyn EnvelopeHandler>,
    health: &watch::Sender<ListenerHealth>,
    stop: &mut watch::Receiver<bool>,
) -> Ended {
    let lost = |error: String| Ended::Lost {
        error,
        healthy: false,
    };
    let opened = settings
        .api
        .client()
        .open_session(token)
        .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await;
    let url = match opened {
        Ok(answer) => answer.url.0.to_string(),
        Err(error) => return lost(format!("apps.connections.open: {}", api_error(&error))),
    };
    let socket = tokio::select! {
        connected = tokio_tungstenite::connect_async(url.as_str()) => connected,
        _ = stop.changed() => return Ended::Stopped,
    };
    let (mut sink, mut stream) = match socket {
        // The URL carries a ticket; it is not logged.
        Ok((socket, _)) => socket.split(),
        Err(error) => return lost(format!("opening the socket: {error}")),
    };
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<String>();
    let mut said_hello = false;
    let opened_at = Instant::now();
    let mut last_frame = Instant::now();
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.reset();
    let ended = loop {
        tokio::select! {
            _ = stop.changed() => break Ended::Stopped,
            Some(envelope_id) = ack_rx.recv() => {
                if let Err(error) = sink.send(Message::text(ack_frame(&envelope_id))).await {
                    break Ended::Lost { error: format!("sending an ack: {error}"), healthy: said_hello };
                }
                debug!(envelope_id, "slack: envelope acknowledged");
            }
            _ = ping.tick() => {
                let silent = last_frame.elapsed();
                if silent > SILENCE_LIMIT || (!said_hello && opened_at.elapsed() > HELLO_TIMEOUT) {
                    break Ended::Lost { error: format!("no traffic for {} s", silent.as_secs()), healthy: said_hello };
                }
                if let Err(error) = sink.send(Message::Ping(Vec::new().into())).await {
                    break Ended::Lost { error: format!("ping: {error}"), healthy: said_hello };
                }
            }
            frame = stream.next() => {
                last_frame = Instant::now();
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(close))) => {
                        let code = close.map(|c| u16::from(c.code)).unwrap_or(1005);
                        break Ended::Lost { error: format!("WebSocket closed (code={code})"), healthy: said_hello };
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => break Ended::Lost { error: format!("WebSocket error: {error}"), healthy: said_hello },
                    None => break Ended::Lost { error: "WebSocket closed".into(), healthy: said_hello },
                };
                match step(text.as_str()) {
                    Step::Hello => {
                        said_hello = true;
                        info!("slack: socket mode connected");
                        let _ = health.send(ListenerHealth::Connected);
                    }
                    Step::Disconnect(reason) => {
                        break Ended::Lost { error: format!("Slack asked to reconnect ({reason})"), healthy: true };
                    }
                    Step::Event { envelope_id, payload } => {
                        let handler = handler.clone();
                        let acks = ack_tx.clone();
                        tokio::spawn(async move {
                            if handler.handle(payload).await {
                                // A closed channel means the connection is gone:
                                // Slack redelivers, and the journal drops the copy.
                                let _ = acks.send(envelope_id);
                            }
                        });
                    }
                    Step::AckOnly(envelope_id) => {
                        let _ = ack_tx.send(envelope_id);
                    }
                    Step::Ignore => {}
                }
            }
        }
    };
    let _ = sink.close().await;
    ended
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;

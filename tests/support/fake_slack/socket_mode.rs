//! The Socket Mode side: the WebSocket URL `apps.connections.open` hands
//! out (`/link/?ticket=…`, one connection per ticket), `hello` on connect,
//! `events_api` envelopes out, `{"envelope_id"}` acknowledgements in.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::Shared;
use super::state::Socket;

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(connection(stream, shared.clone()));
    }
}

/// Retries envelopes whose acknowledgement is overdue, as Slack does.
pub(super) async fn redeliver(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        shared.lock().retry_overdue(None);
    }
}

// tungstenite's callback signature fixes the error type.
#[allow(clippy::result_large_err)]
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let check = {
        let shared = shared.clone();
        move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            let ticket = request
                .uri()
                .query()
                .and_then(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "ticket")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            if request.uri().path() == "/link/" && shared.lock().tickets.remove(&ticket) {
                Ok(response)
            } else {
                let mut refused = ErrorResponse::new(Some("invalid ticket".to_owned()));
                *refused.status_mut() = StatusCode::UNAUTHORIZED;
                Err(refused)
            }
        }
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let socket_id = {
        let mut state = shared.lock();
        state.connections_opened += 1;
        let id = state.connections_opened;
        state.sockets.insert(id, Socket { tx: tx.clone() });
        let hello = state.hello();
        let _ = tx.send(hello);
        state.flush();
        id
    };
    loop {
        tokio::select! {
            outgoing = rx.recv() => match outgoing {
                Some(message) => {
                    let closing = matches!(message, Message::Close(_));
                    if sink.send(message).await.is_err() || closing {
                        break;
                    }
                }
                None => break,
            },
            incoming = source.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(frame) = serde_json::from_str::<Value>(text.as_str())
                        && let Some(envelope_id) = frame["envelope_id"].as_str()
                    {
                        shared.lock().ack(envelope_id);
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let mut state = shared.lock();
    state.sockets.remove(&socket_id);
    state.retry_overdue(Some(socket_id));
}

//! The HTTP side: accept connections, record each request, ask the
//! dispatcher, write the answer (SSE, JSON or an API error).

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use http_body_util::channel::Channel;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::dispatch::{self, Dispatcher};
use super::recorded::{Failure, RecordedRequest, RequestKind};
use super::sse::{Message, SseEvent};

type Body = BoxBody<Bytes, Infallible>;

/// State shared by the server thread and the [`super::ModelServer`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub started: Instant,
    state: Mutex<State>,
}

#[derive(Debug)]
pub(crate) struct State {
    pub dispatcher: Dispatcher,
    pub requests: Vec<RecordedRequest>,
    pub failures: Vec<Failure>,
    pub secrets: SecretValues,
}

/// The real values of the secret headers, kept apart from the records;
/// `Debug` shows only the header names.
#[derive(Default)]
pub(crate) struct SecretValues(Vec<(String, String)>);

impl SecretValues {
    fn record(&mut self, name: &str, value: &str) {
        if !self.0.iter().any(|(n, v)| n == name && v == value) {
            self.0.push((name.to_string(), value.to_string()));
        }
    }

    pub fn values(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(n, _)| format!("{n}: <redacted>")))
            .finish()
    }
}

impl Shared {
    pub fn new(dispatcher: Dispatcher) -> Shared {
        Shared {
            started: Instant::now(),
            state: Mutex::new(State {
                dispatcher,
                requests: Vec::new(),
                failures: Vec::new(),
                secrets: SecretValues::default(),
            }),
        }
    }

    /// The state; a panic elsewhere while holding the lock does not hide
    /// what was recorded.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Accepts connections until `shutdown` fires (or its sender is dropped);
/// with `tls`, each connection is a TLS handshake first.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: back off briefly.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let shared = Arc::clone(&shared);
                let tls = tls.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
                    // A client hanging up mid-response (or mid-handshake) is
                    // not our concern.
                    match tls {
                        None => {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(stream).await else {
                                return;
                            };
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    let mut secrets: Vec<(String, String)> = Vec::new();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if RecordedRequest::is_secret_header(&name) {
                secrets.push((name.clone(), value.clone()));
            }
            let value = RecordedRequest::redact(&name, &value);
            (name, value)
        })
        .collect();
    let Ok(collected) = request.into_body().collect().await else {
        return Ok(plain(StatusCode::BAD_REQUEST));
    };
    let bytes = collected.to_bytes();
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();

    let (decision, request_id) = {
        let mut state = shared.lock();
        for (name, value) in &secrets {
            state.secrets.record(name, value);
        }
        let mut recorded = RecordedRequest {
            index: state.requests.len(),
            at: shared.started.elapsed(),
            method,
            path,
            headers,
            body,
            body_len: bytes.len(),
            kind: RequestKind::Unexpected,
        };
        let decision = state.dispatcher.decide(&recorded);
        recorded.kind = decision.kind.clone();
        for (turn, message) in &decision.failures {
            let failure = Failure {
                request: recorded.index,
                turn: *turn,
                message: message.clone(),
            };
            state.failures.push(failure);
        }
        state.requests.push(recorded);
        let request_id = decision.request_id.clone();
        (decision, request_id)
    };

    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    Ok(respond(decision.response, &request_id))
}

fn respond(response: dispatch::Response, request_id: &str) -> Response<Body> {
    match response {
        dispatch::Response::Message {
            message_id,
            model,
            reply,
            tool_ids,
            input_tokens,
            stream,
        } => {
            let message = Message {
                id: &message_id,
                model: &model,
                reply: &reply,
                tool_ids: &tool_ids,
                input_tokens,
            };
            if stream {
                sse(message.events(), request_id)
            } else {
                json(StatusCode::OK, &message.json(), request_id, &[])
            }
        }
        dispatch::Response::Error(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json(status, &error.body(request_id), request_id, error.headers())
        }
        dispatch::Response::StreamError {
            error,
            message_id,
            model,
            input_tokens,
        } => {
            let reply = super::Reply::new();
            let message = Message {
                id: &message_id,
                model: &model,
                reply: &reply,
                tool_ids: &[],
                input_tokens,
            };
            sse(message.error_events(&error), request_id)
        }
        dispatch::Response::Json { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json(status, &body, request_id, &[])
        }
        dispatch::Response::Empty { status } => {
            plain(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        }
    }
}

fn plain(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Empty::new().boxed());
    *response.status_mut() = status;
    response
}

fn json(
    status: StatusCode,
    body: &Value,
    request_id: &str,
    extra: &[(String, String)],
) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("request-id", request_id);
    for (name, value) in extra {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(Bytes::from(body.to_string())).boxed())
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR))
}

/// A chunked `text/event-stream` response fed event by event, as the API
/// streams.
fn sse(events: Vec<SseEvent>, request_id: &str) -> Response<Body> {
    let (mut sender, body) = Channel::<Bytes, Infallible>::new(4);
    tokio::spawn(async move {
        for event in events {
            if sender.send_data(Bytes::from(event.encode())).await.is_err() {
                break;
            }
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream; charset=utf-8")
        .header("cache-control", "no-cache")
        .header("request-id", request_id)
        .body(body.boxed())
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR))
}

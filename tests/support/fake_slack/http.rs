//! The HTTP side: `/api/<method>` (GET query, form or JSON body, as Slack
//! accepts all three), the upload URLs, and the hosted files
//! (`/files-pri/…`), each checking the token Slack would require.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

use super::{APP_TOKEN, BOT_TOKEN, Shared, web_api};

/// `foreign`: this listener plays a host that is not Slack's (a file URL
/// pointing elsewhere); it serves the file to anyone and records whether a
/// token came along.
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>, foreign: bool) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move {
                    let response = if foreign {
                        foreign_host(&shared, request)
                    } else {
                        handle(&shared, request).await
                    };
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let bearer = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    if let Some(method) = path.strip_prefix("/api/") {
        let content_type = parts
            .headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let args = arguments(parts.uri.query(), &content_type, &bytes);
        return api(shared, method, bearer, args);
    }
    if let Some(upload_id) = path.strip_prefix("/upload/v1/") {
        if parts.method != Method::POST {
            return text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        let length = bytes.len();
        if web_api::receive_upload(&mut shared.lock(), upload_id, bytes.to_vec()) {
            return text(StatusCode::OK, &format!("OK - {length}"));
        }
        return text(StatusCode::NOT_FOUND, "upload not found");
    }
    if let Some(rest) = path.strip_prefix("/files-pri/") {
        return hosted_file(shared, rest, bearer);
    }
    text(StatusCode::NOT_FOUND, "not found")
}

/// Query string, then the body (form or JSON) on top: Slack reads
/// arguments from either.
fn arguments(query: Option<&str>, content_type: &str, body: &[u8]) -> Value {
    let mut args = Map::new();
    let mut add_form = |raw: &[u8]| {
        for (k, v) in form_urlencoded::parse(raw) {
            args.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    };
    if let Some(query) = query {
        add_form(query.as_bytes());
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        add_form(body);
    } else if content_type.starts_with("application/json")
        && let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body)
    {
        args.extend(fields);
    }
    Value::Object(args)
}

fn api(
    shared: &Shared,
    method: &str,
    bearer: Option<String>,
    mut args: Value,
) -> Response<Full<Bytes>> {
    let mut state = shared.lock();
    // A token may also come as the `token` argument; it is never recorded.
    let token = bearer.or_else(|| {
        args.as_object_mut()
            .and_then(|a| a.remove("token"))
            .and_then(|t| t.as_str().map(str::to_owned))
    });
    let wanted = if method == "apps.connections.open" {
        APP_TOKEN
    } else {
        BOT_TOKEN
    };
    let auth_error = match token.as_deref() {
        None => Some("not_authed"),
        Some(t) if t == wanted => None,
        Some(t) if t == APP_TOKEN || t == BOT_TOKEN => Some("not_allowed_token_type"),
        Some(_) => Some("invalid_auth"),
    };
    if let Some(error) = auth_error {
        state.auth_failures.push(format!("{method}: {error}"));
        return json_response(StatusCode::OK, &json!({ "ok": false, "error": error }));
    }
    state.calls.push((method.to_owned(), args.clone()));
    if let Some(retry_after) = state.rate_limits.remove(method) {
        let mut response = json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "ok": false, "error": "ratelimited" }),
        );
        if let Ok(value) = retry_after.to_string().parse() {
            response
                .headers_mut()
                .insert(hyper::header::RETRY_AFTER, value);
        }
        return response;
    }
    if let Some(error) = state.failures.get_mut(method).and_then(|q| q.pop_front()) {
        return json_response(StatusCode::OK, &json!({ "ok": false, "error": error }));
    }
    let body = match web_api::call(&mut state, method, &args) {
        Ok(extra) => web_api::ok_body(extra),
        Err(error) => json!({ "ok": false, "error": error }),
    };
    json_response(StatusCode::OK, &body)
}

/// `<TEAM>-<FILE>/<name>` or `<TEAM>-<FILE>/download/<name>`. Without the
/// bot token Slack answers with its sign-in page, status 200 — a client that
/// does not check what it got would save HTML as the file.
fn hosted_file(shared: &Shared, rest: &str, bearer: Option<String>) -> Response<Full<Bytes>> {
    let mut state = shared.lock();
    let file_id = rest
        .split('/')
        .next()
        .and_then(|head| head.split_once('-'))
        .map(|(_, id)| id.to_owned())
        .unwrap_or_default();
    let authorized = bearer.as_deref() == Some(BOT_TOKEN);
    if !authorized || state.refused_files.contains(&file_id) {
        if !authorized {
            state
                .auth_failures
                .push(format!("files-pri/{file_id}: not_authed"));
        }
        let mut page = text(
            StatusCode::OK,
            "<!DOCTYPE html><html><body>Sign in to Fake Workspace</body></html>",
        );
        page.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return page;
    }
    state
        .calls
        .push(("files-pri".to_owned(), json!({ "file": file_id })));
    match state.files.get(&file_id) {
        Some(file) => Response::builder()
            .status(StatusCode::OK)
            .header(hyper::header::CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(Bytes::from(file.bytes.clone())))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))),
        None => text(StatusCode::NOT_FOUND, "file not found"),
    }
}

fn foreign_host(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let mut state = shared.lock();
    let path = request.uri().path().to_owned();
    let authorized = request.headers().contains_key(hyper::header::AUTHORIZATION);
    state.foreign_requests.push((path.clone(), authorized));
    if authorized {
        state
            .auth_failures
            .push(format!("foreign host {path}: a token was sent"));
    }
    let file_id = path
        .trim_start_matches("/files-pri/")
        .split('/')
        .next()
        .and_then(|head| head.split_once('-'))
        .map(|(_, id)| id.to_owned())
        .unwrap_or_default();
    match state.files.get(&file_id) {
        Some(file) => Response::new(Full::new(Bytes::from(file.bytes.clone()))),
        None => text(StatusCode::NOT_FOUND, "not found"),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(
            hyper::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

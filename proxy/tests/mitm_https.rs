//! The HTTPS path end to end on loopback: a real TLS client against the
//! proxy's :443, a real HTTPS upstream behind it.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use airut_proxy::netlog::{EntryKind, Verdict};
use http::StatusCode;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use support::{REAL, SURROGATE, get, harness};

#[tokio::test]
async fn allowed_request_goes_through_and_is_logged() {
    let h = harness().await;
    let reply = h
        .https("allowed.test", get("allowed.test", "/hello?x=1"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "hello from upstream /hello");
    let seen = h.https_upstream.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].host.as_deref(), Some("allowed.test"));
    let entry = h.wait_log(|e| e.kind == EntryKind::Http).await;
    assert_eq!(entry.verdict, Verdict::Allowed);
    assert_eq!(entry.status, Some(200));
    assert_eq!(entry.url.as_deref(), Some("https://allowed.test/hello?x=1"));
    assert_eq!(entry.rule.as_deref(), Some("domains[0] allowed.test"));
    assert_eq!(entry.task_id, "task-1");
    assert!(
        h.log_entries()
            .iter()
            .any(|e| e.kind == EntryKind::TaskStart)
    );
}

#[tokio::test]
async fn blocked_host_gets_403_and_is_never_resolved_or_dialed() {
    let h = harness().await;
    let reply = h
        .https("blocked.test", get("blocked.test", "/secret?q=data"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.headers["content-type"], "application/json");
    let body = reply.json();
    assert_eq!(body["error"], "blocked_by_network_allowlist");
    assert_eq!(body["host"], "blocked.test");
    assert_eq!(body["path"], "/secret?q=data");
    let entry = h.wait_log(|e| e.kind == EntryKind::Http).await;
    assert_eq!(entry.verdict, Verdict::Blocked);
    assert_eq!(entry.status, Some(403));
    assert_eq!(
        h.resolver.calls.load(Ordering::SeqCst),
        0,
        "a blocked name was looked up"
    );
    assert_eq!(h.https_upstream.seen.connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn allowed_names_are_resolved_only_then_and_local_answers_refused() {
    let h = harness().await;
    // unmapped.test is allowed but only DNS knows it; the test resolver
    // answers 127.0.0.1, which a resolved name may never reach.
    let reply = h.https("unmapped.test", get("unmapped.test", "/")).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("loopback")
    );
    assert_eq!(h.resolver.calls.load(Ordering::SeqCst), 1);
    let entry = h.wait_log(|e| e.kind == EntryKind::Http).await;
    assert_eq!(entry.verdict, Verdict::Error);
    assert_eq!(entry.status, Some(502));
}

#[tokio::test]
async fn host_header_must_match_sni() {
    let h = harness().await;
    let reply = h.https("allowed.test", get("other.test", "/")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let body = reply.json();
    assert_eq!(body["host"], "other.test");
    assert_eq!(body["url_host"], "allowed.test");
    // Port and case in Host are fine.
    let reply = h.https("allowed.test", get("ALLOWED.test:443", "/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(h.https_upstream.requests().len(), 1);
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let h = harness().await;
    let reply = h
        .https("allowed.test", get("allowed.test", "/redirect"))
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.headers["location"], "https://blocked.test/landing");
    assert_eq!(h.https_upstream.requests().len(), 1);
}

#[tokio::test]
async fn websocket_upgrades_are_refused() {
    let h = harness().await;
    let mut request = get("allowed.test", "/socket");
    request
        .headers_mut()
        .insert("connection", "Upgrade".parse().expect("value"));
    request
        .headers_mut()
        .insert("upgrade", "websocket".parse().expect("value"));
    request
        .headers_mut()
        .insert("sec-websocket-version", "13".parse().expect("value"));
    request.headers_mut().insert(
        "sec-websocket-key",
        "dGhlIHNhbXBsZSBub25jZQ==".parse().expect("value"),
    );
    let reply = h.https("allowed.test", request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(h.https_upstream.requests().is_empty());
}

#[tokio::test]
async fn surrogate_becomes_real_upstream_and_real_becomes_surrogate_back() {
    let h = harness().await;
    let mut request = get("allowed.test", "/echo-auth");
    let auth = format!("Bearer {SURROGATE}");
    request
        .headers_mut()
        .insert("authorization", auth.parse().expect("value"));
    request
        .headers_mut()
        .insert("accept-encoding", "gzip".parse().expect("value"));
    let reply = h.https("allowed.test", request).await;
    assert_eq!(reply.status, StatusCode::OK);
    let seen = h.https_upstream.requests();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {REAL}").as_str())
    );
    assert_eq!(seen[0].accept_encoding.as_deref(), Some("identity"));
    // The upstream echoed the real value in a header and in the body.
    assert_eq!(reply.headers["x-echo"], auth.as_str());
    assert_eq!(reply.text(), format!("you sent: {auth}"));
    assert!(!reply.text().contains(REAL));
    let entry = h.wait_log(|e| e.kind == EntryKind::Http).await;
    assert_eq!((entry.masked, entry.scrubbed), (1, 2));

    // other.test is allowed but out of the secret's scope: the surrogate
    // goes out as is.
    let mut request = get("other.test", "/echo-auth");
    request
        .headers_mut()
        .insert("authorization", auth.parse().expect("value"));
    let reply = h.https("other.test", request).await;
    assert_eq!(reply.status, StatusCode::OK);
    let seen = h.https_upstream.requests();
    assert_eq!(seen[1].authorization.as_deref(), Some(auth.as_str()));
}

#[tokio::test]
async fn server_sent_events_flow_before_the_upstream_finishes() {
    let h = harness().await;
    let tls = h.tls("allowed.test", &[b"http/1.1"]).await.expect("tls");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let res = sender
        .send_request(get("allowed.test", "/sse"))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    // The upstream holds its second event until released: the first must
    // already be here, through the scrubbing body.
    let first = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("first event in time")
        .expect("frame")
        .expect("ok");
    assert_eq!(first.into_data().expect("data"), "data: one\n\n");
    h.https_upstream.seen.sse_release.notify_one();
    let rest = body.collect().await.expect("rest").to_bytes();
    assert_eq!(rest, "data: two\n\n");
}

#[tokio::test]
async fn keep_alive_connections_serve_many_requests() {
    let h = harness().await;
    let tls = h.tls("allowed.test", &[b"http/1.1"]).await.expect("tls");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    for i in 0..5 {
        // The previous response was read to its end; wait until the
        // connection has taken note before reusing it.
        sender.ready().await.expect("ready");
        let res = sender
            .send_request(get("allowed.test", &format!("/n{i}")))
            .await
            .expect("response");
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(body, format!("hello from upstream /n{i}").as_bytes());
    }
}

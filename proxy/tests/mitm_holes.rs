//! Everything that must NOT get through :443 and :80, each hole named in
//! DESIGN.md §9 and spec/proxy.md.

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use airut_proxy::mitm::Limits;
use airut_proxy::netlog::{EntryKind, Verdict};
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use support::{Harness, get, harness, harness_with, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Everything the peer sends until it closes (or 5 s pass).
async fn read_to_close(stream: &mut (impl AsyncReadExt + Unpin)) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    out
}

fn nothing_went_out(h: &Harness) {
    assert_eq!(
        h.resolver.calls.load(Ordering::SeqCst),
        0,
        "a name was resolved"
    );
    assert_eq!(h.https_upstream.seen.connections.load(Ordering::SeqCst), 0);
    assert_eq!(h.http_upstream.seen.connections.load(Ordering::SeqCst), 0);
    assert!(
        !h.log_entries().iter().any(|e| e
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("raw tunnel attempt")),
        "hudsucker opened a raw tunnel"
    );
}

#[tokio::test]
async fn plain_bytes_on_443_are_closed_and_logged() {
    let h = harness().await;
    let mut tcp = TcpStream::connect(h.https_addr()).await.expect("connect");
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n")
        .await
        .expect("write");
    assert!(read_to_close(&mut tcp).await.is_empty());
    let entry = h.wait_log(|e| e.kind == EntryKind::Connection).await;
    assert_eq!(entry.verdict, Verdict::Blocked);
    assert!(entry.reason.unwrap_or_default().starts_with("not TLS"));
    nothing_went_out(&h);
}

#[tokio::test]
async fn tls_without_sni_is_closed() {
    let h = harness().await;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth();
    config.enable_sni = false;
    let tcp = TcpStream::connect(h.https_addr()).await.expect("connect");
    let name = ServerName::try_from("allowed.test").expect("name");
    let result = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await;
    assert!(result.is_err());
    let entry = h.wait_log(|e| e.kind == EntryKind::Connection).await;
    assert_eq!(
        entry
            .reason
            .as_deref()
            .map(|r| r.starts_with("TLS without SNI")),
        Some(true)
    );
    nothing_went_out(&h);
}

#[tokio::test]
async fn silent_clients_are_dropped_after_the_hello_timeout() {
    let h = harness_with(Limits {
        client_hello: Duration::from_millis(200),
        ..Limits::default()
    })
    .await;
    let mut tcp = TcpStream::connect(h.https_addr()).await.expect("connect");
    assert!(read_to_close(&mut tcp).await.is_empty());
    let entry = h.wait_log(|e| e.kind == EntryKind::Connection).await;
    assert!(entry.reason.unwrap_or_default().contains("no ClientHello"));
}

#[tokio::test]
async fn http2_is_refused() {
    let h = harness().await;
    // Only h2 offered: no protocol in common, the handshake fails.
    assert!(h.tls("allowed.test", &[b"h2"]).await.is_err());
    // http/1.1 negotiated, then an h2 preface anyway: no stream is served.
    let tls = h
        .tls("allowed.test", &[b"h2", b"http/1.1"])
        .await
        .expect("tls");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let result = tokio::time::timeout(Duration::from_secs(5), async {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
        tokio::spawn(conn);
        let request = Request::builder()
            .uri("https://allowed.test/")
            .body(Empty::<Bytes>::new())
            .expect("request");
        sender.send_request(request).await
    })
    .await
    .expect("answered in time");
    assert!(
        result.is_err(),
        "an HTTP/2 stream was served: {:?}",
        result.map(|r| r.status())
    );
    nothing_went_out(&h);
}

#[tokio::test]
async fn nested_connect_never_tunnels_and_hurts_no_other_connection() {
    let h = harness().await;
    // A kept-alive neighbour, opened before and used after.
    let neighbour = h.tls("allowed.test", &[b"http/1.1"]).await.expect("tls");
    let (mut neighbour, conn) = hyper::client::conn::http1::handshake(TokioIo::new(neighbour))
        .await
        .expect("handshake");
    tokio::spawn(conn);

    for target in ["evil.test:443", "https://evil.test:443/", "127.0.0.1:22"] {
        let mut tls = h.tls("allowed.test", &[b"http/1.1"]).await.expect("tls");
        let head = format!("CONNECT {target} HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
        tls.write_all(head.as_bytes()).await.expect("write");
        tls.write_all(b"SSH-2.0-bytes-for-a-tunnel\r\n")
            .await
            .expect("write");
        let answer = String::from_utf8_lossy(&read_to_close(&mut tls).await).into_owned();
        // Authority-form: hudsucker's URI rebuild panics before any handler
        // runs, killing only this connection (nothing answered). Absolute
        // form reaches the gate: 403.
        if target.starts_with("https://") {
            assert!(answer.starts_with("HTTP/1.1 403"), "{target}: {answer}");
            assert!(
                !answer.contains("127.0.0.1"),
                "tripwire address leaked: {answer}"
            );
        } else {
            assert!(answer.is_empty(), "{target}: {answer}");
        }
    }

    neighbour.ready().await.expect("neighbour still open");
    let res = neighbour
        .send_request(get("allowed.test", "/still-here"))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!h.log_entries().iter().any(|e| {
        e.reason
            .as_deref()
            .unwrap_or_default()
            .contains("raw tunnel attempt")
    }));
    assert_eq!(h.resolver.calls.load(Ordering::SeqCst), 0);
    assert!(
        h.https_upstream
            .requests()
            .iter()
            .all(|r| r.path == "/still-here")
    );
}

#[tokio::test]
async fn plain_http_is_checked_by_host() {
    let h = harness().await;
    let reply = h.http(get("blocked.test", "/x")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["host"], "blocked.test");
    let entry = h.wait_log(|e| e.kind == EntryKind::Http).await;
    assert_eq!(entry.url.as_deref(), Some("http://blocked.test/x"));
    nothing_went_out(&h);

    let reply = h.http(get("plain.test", "/ok")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "hello from upstream /ok");
    assert_eq!(
        h.http_upstream.requests()[0].host.as_deref(),
        Some("plain.test")
    );
}

#[tokio::test]
async fn absolute_form_must_agree_with_host() {
    let h = harness().await;
    let request = Request::builder()
        .uri("http://blocked.test/x")
        .header("host", "plain.test")
        .body(Empty::new())
        .expect("request");
    let reply = h.http(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["url_host"], "blocked.test");
    nothing_went_out(&h);
}

#[tokio::test]
async fn connect_on_80_is_refused() {
    let h = harness().await;
    let mut tcp = TcpStream::connect(h.http_addr()).await.expect("connect");
    tcp.write_all(b"CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n")
        .await
        .expect("write");
    let mut head = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut head))
        .await
        .expect("answer")
        .expect("read");
    let answer = String::from_utf8_lossy(&head[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("\"method\":\"CONNECT\""), "{answer}");
    let entry = h.wait_log(|e| e.kind == EntryKind::Connect).await;
    assert_eq!(entry.url.as_deref(), Some("allowed.test:443"));
    nothing_went_out(&h);
}

#[tokio::test]
async fn internal_listeners_refuse_strangers() {
    let h = harness().await;
    let addrs = h.server.addrs.mitm;
    assert!(addrs.internal_tls.ip().is_loopback() && addrs.internal_plain.ip().is_loopback());
    // A CONNECT to the tripwire that no adapter registered.
    let tcp = TcpStream::connect(addrs.internal_tls)
        .await
        .expect("connect");
    let tripwire = addrs.tripwire.to_string();
    let request = Request::builder()
        .method("CONNECT")
        .uri(tripwire.as_str())
        .header("host", tripwire.as_str())
        .body(Empty::new())
        .expect("request");
    assert_eq!(send(tcp, request).await.status, StatusCode::FORBIDDEN);
    let tcp = TcpStream::connect(addrs.internal_plain)
        .await
        .expect("connect");
    assert_eq!(
        send(tcp, get("plain.test", "/")).await.status,
        StatusCode::FORBIDDEN
    );
    nothing_went_out(&h);
}

#[tokio::test]
async fn the_tripwire_logs_and_closes() {
    let h = harness().await;
    let mut tcp = TcpStream::connect(h.server.addrs.mitm.tripwire)
        .await
        .expect("connect");
    assert!(read_to_close(&mut tcp).await.is_empty());
    let entry = h.wait_log(|e| e.kind == EntryKind::Connection).await;
    assert!(entry.reason.unwrap_or_default().contains("tripwire"));
}

use http::header::AUTHORIZATION;
use http_body_util::BodyExt;
use tokio::sync::mpsc;

use super::*;
use crate::masking::MaskedSecret;
use crate::policy::UrlPrefix;

const SURROGATE: &str = "sk-surrogate-0123456789abcdef";
const REAL: &str = "sk-real-value-fedcba9876543210";

fn gate() -> (Gate, mpsc::Receiver<NetLogEntry>) {
    let (tx, rx) = mpsc::channel(64);
    let masker = CredentialMasker::new(vec![MaskedSecret {
        env_name: "API_KEY".into(),
        surrogate: SURROGATE.into(),
        real: REAL.into(),
        scopes: vec!["allowed.test".into()],
        headers: vec!["Authorization".into()],
        allow_foreign_credentials: false,
    }])
    .expect("masker");
    let gate = Gate {
        allowlist: Allowlist {
            domains: vec!["allowed.test".into(), "other.test".into()],
            url_prefixes: vec![UrlPrefix {
                host: "api.test".into(),
                path: "/v1/*".into(),
                methods: vec!["GET".into()],
            }],
        },
        masker: Arc::new(masker),
        log: NetLog::to_channel(tx, "t1"),
    };
    (gate, rx)
}

fn request(method: &str, uri: &str, host: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(host) = host {
        builder = builder.header(HOST, host);
    }
    builder.body(Body::empty()).expect("request")
}

async fn refused(outcome: Outcome) -> (StatusCode, serde_json::Value) {
    let Outcome::Refuse(res) = outcome else {
        panic!("expected a refusal");
    };
    let status = res.status();
    assert_eq!(res.headers()[CONTENT_TYPE], "application/json");
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&body).expect("json"))
}

fn forwarded(outcome: Outcome) -> (Request<Body>, Pending) {
    match outcome {
        Outcome::Forward(req, pending) => (req, *pending),
        Outcome::Refuse(res) => panic!("expected forwarding, got {}", res.status()),
    }
}

#[tokio::test]
async fn tls_request_is_rebuilt_from_the_sni() {
    let (gate, _log) = gate();
    // hudsucker puts its CONNECT authority (the tripwire) into HTTP/1 URIs.
    let req = request(
        "GET",
        "https://127.0.0.1:9/a/b?c=d",
        Some("Allowed.Test:443"),
    );
    let (req, pending) = forwarded(gate.check(
        req,
        Origin::Tls {
            sni: "allowed.test",
        },
    ));
    assert_eq!(req.uri().to_string(), "https://allowed.test/a/b?c=d");
    assert_eq!(
        pending.entry.rule.as_deref(),
        Some("domains[0] allowed.test")
    );
    assert_eq!(
        pending.entry.url.as_deref(),
        Some("https://allowed.test/a/b?c=d")
    );
    assert!(!pending.head);
}

#[tokio::test]
async fn host_must_equal_sni() {
    let (gate, mut log) = gate();
    for host in [
        Some("other.test"),
        Some("allowed.test.evil"),
        Some("evil@allowed.test"),
        None,
    ] {
        let req = request("GET", "/", host);
        let (status, body) = refused(gate.check(
            req,
            Origin::Tls {
                sni: "allowed.test",
            },
        ))
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["url_host"], "allowed.test", "{host:?}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Host mismatch")
        );
        let entry = log.recv().await.expect("entry");
        assert_eq!(entry.verdict, Verdict::Blocked);
        assert!(
            entry
                .reason
                .unwrap_or_default()
                .starts_with("host mismatch")
        );
    }
}

#[tokio::test]
async fn every_connect_is_refused() {
    let (gate, mut log) = gate();
    for origin in [
        Origin::Plain,
        Origin::Tls {
            sni: "allowed.test",
        },
    ] {
        let req = request("CONNECT", "allowed.test:443", Some("allowed.test:443"));
        // (inside TLS the body names the Host header, never the URI
        // hudsucker rewrote)
        let (status, body) = refused(gate.check(req, origin)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["method"], "CONNECT");
        assert_eq!(body["host"], "allowed.test:443");
        let entry = log.recv().await.expect("entry");
        assert_eq!(entry.kind, EntryKind::Connect);
        assert_eq!(entry.status, Some(403));
    }
}

#[tokio::test]
async fn blocked_requests_get_the_allowlist_body() {
    let (gate, mut log) = gate();
    let req = request("POST", "/v1/x", Some("api.test"));
    let (status, body) = refused(gate.check(req, Origin::Tls { sni: "api.test" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "blocked_by_network_allowlist");
    assert_eq!(body["reason"], "method_not_allowed");
    let entry = log.recv().await.expect("entry");
    assert_eq!(entry.url.as_deref(), Some("https://api.test/v1/x"));
    assert_eq!(entry.reason.as_deref(), Some("method not allowed"));

    let req = request("GET", "/", Some("blocked.test"));
    let (_, body) = refused(gate.check(req, Origin::Plain)).await;
    assert_eq!(body["reason"], "host_path_not_allowed");
    assert_eq!(body["host"], "blocked.test");
}

#[tokio::test]
async fn plain_requests_need_a_host_matching_absolute_form() {
    let (gate, _log) = gate();
    let (req, _) =
        forwarded(gate.check(request("GET", "/x", Some("allowed.test:80")), Origin::Plain));
    assert_eq!(req.uri().to_string(), "http://allowed.test/x");

    let req = request("GET", "http://blocked.test/x", Some("allowed.test"));
    let (_, body) = refused(gate.check(req, Origin::Plain)).await;
    assert_eq!(body["url_host"], "blocked.test");

    let (_, body) = refused(gate.check(request("GET", "/x", None), Origin::Plain)).await;
    assert_eq!(body["error"], "blocked_by_network_allowlist");
}

#[tokio::test]
async fn upgrades_are_refused() {
    let (gate, _log) = gate();
    let mut req = request("GET", "/ws", Some("allowed.test"));
    req.headers_mut()
        .insert(UPGRADE, HeaderValue::from_static("websocket"));
    req.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("keep-alive, Upgrade"));
    let (status, body) = refused(gate.check(
        req,
        Origin::Tls {
            sni: "allowed.test",
        },
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("WebSocket")
    );
}

#[tokio::test]
async fn surrogates_become_real_only_in_scope_and_ask_for_identity() {
    let (gate, _log) = gate();
    let mut req = request("GET", "/", Some("allowed.test"));
    req.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {SURROGATE}")).expect("value"),
    );
    req.headers_mut()
        .insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip, br"));
    let (req, pending) = forwarded(gate.check(
        req,
        Origin::Tls {
            sni: "allowed.test",
        },
    ));
    assert_eq!(
        req.headers()[AUTHORIZATION],
        format!("Bearer {REAL}").as_str()
    );
    assert_eq!(req.headers()[ACCEPT_ENCODING], "identity");
    assert_eq!(pending.entry.masked, 1);

    let mut req = request("GET", "/", Some("other.test"));
    req.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {SURROGATE}")).expect("value"),
    );
    let (req, pending) = forwarded(gate.check(req, Origin::Tls { sni: "other.test" }));
    assert_eq!(
        req.headers()[AUTHORIZATION],
        format!("Bearer {SURROGATE}").as_str()
    );
    assert_eq!(pending.entry.masked, 0);
    assert!(pending.entry.reason.unwrap_or_default().contains("API_KEY"));
}

#[tokio::test]
async fn foreign_credentials_are_stripped_and_counted() {
    let (gate, _log) = gate();
    let mut req = request("GET", "/", Some("allowed.test"));
    req.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_static("Bearer attacker-own-key"),
    );
    let (req, pending) = forwarded(gate.check(
        req,
        Origin::Tls {
            sni: "allowed.test",
        },
    ));
    assert!(req.headers().get(AUTHORIZATION).is_none());
    assert_eq!(pending.entry.stripped, 1);
}

#[tokio::test]
async fn head_requests_are_marked() {
    let (gate, _log) = gate();
    let (_, pending) =
        forwarded(gate.check(request("HEAD", "/", Some("allowed.test")), Origin::Plain));
    assert!(pending.head);
}

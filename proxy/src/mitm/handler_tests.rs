use http::header::HOST;
use http_body_util::BodyExt;
use tokio::sync::mpsc;

use super::*;
use crate::masking::{CredentialMasker, MaskedSecret};
use crate::netlog::NetLog;
use crate::policy::Allowlist;

const TRIPWIRE: &str = "127.0.0.1:9";
const REAL: &str = "sk-real-value-fedcba9876543210";
const SURROGATE: &str = "sk-surrogate-0123456789abcdef";

fn handler(listener: Listener) -> (GateHandler, PeerRegistry, mpsc::Receiver<NetLogEntry>) {
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
    let registry = PeerRegistry::default();
    let shared = Arc::new(Shared {
        gate: Arc::new(Gate {
            allowlist: Allowlist {
                domains: vec!["allowed.test".into()],
                url_prefixes: vec![],
            },
            masker: Arc::new(masker),
            log: NetLog::to_channel(tx, "t"),
        }),
        registry: registry.clone(),
        listener,
        tripwire: TRIPWIRE.into(),
    });
    (GateHandler::new(shared), registry, rx)
}

fn peer(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn registration(route: Route) -> Registration {
    Registration {
        client: "10.0.0.2:4000".parse().expect("addr"),
        route,
    }
}

fn connect(authority: &str) -> Request<Body> {
    Request::builder()
        .method(Method::CONNECT)
        .uri(authority)
        .body(Body::empty())
        .expect("request")
}

fn get(host: &str) -> Request<Body> {
    Request::builder()
        .uri("/")
        .header(HOST, host)
        .body(Body::empty())
        .expect("request")
}

fn status(outcome: RequestOrResponse) -> Option<StatusCode> {
    match outcome {
        RequestOrResponse::Request(_) => None,
        RequestOrResponse::Response(res) => Some(res.status()),
    }
}

#[test]
fn the_adapter_connect_to_the_tripwire_is_let_through_once() {
    let (mut handler, registry, _log) = handler(Listener::Tls);
    let _guard = registry.register(
        peer(1000),
        registration(Route::Tls {
            sni: "allowed.test".into(),
        }),
    );
    assert_eq!(status(handler.request(peer(1000), connect(TRIPWIRE))), None);
    // The connection is now a tunnel whose TLS name is not yet verified:
    // nothing is served in it (not even a second CONNECT).
    assert_eq!(
        status(handler.request(peer(1000), connect(TRIPWIRE))),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        status(handler.request(peer(1000), get("allowed.test"))),
        Some(StatusCode::FORBIDDEN)
    );
}

#[test]
fn connects_from_strangers_or_elsewhere_are_refused() {
    let (mut handler, registry, mut log) = handler(Listener::Tls);
    assert_eq!(
        status(handler.clone().request(peer(1001), connect(TRIPWIRE))),
        Some(StatusCode::FORBIDDEN)
    );
    let _guard = registry.register(
        peer(1002),
        registration(Route::Tls {
            sni: "allowed.test".into(),
        }),
    );
    let elsewhere = handler
        .clone()
        .request(peer(1002), connect("allowed.test:443"));
    assert_eq!(status(elsewhere), Some(StatusCode::FORBIDDEN));
    // A peer registered for :80 cannot open a TLS tunnel.
    let _plain = registry.register(peer(1003), registration(Route::Plain));
    assert_eq!(
        status(handler.request(peer(1003), connect(TRIPWIRE))),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        log.try_recv().map(|e| e.kind).ok(),
        Some(EntryKind::Connect)
    );
}

#[test]
fn plain_requests_only_from_registered_plain_peers() {
    let (mut handler, registry, mut log) = handler(Listener::Plain);
    assert_eq!(
        status(handler.clone().request(peer(2000), get("allowed.test"))),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        log.try_recv().map(|e| e.kind).ok(),
        Some(EntryKind::Connection)
    );
    let _guard = registry.register(peer(2001), registration(Route::Plain));
    assert_eq!(
        status(handler.clone().request(peer(2001), get("allowed.test"))),
        None
    );
    let _tls = registry.register(
        peer(2002),
        registration(Route::Tls {
            sni: "allowed.test".into(),
        }),
    );
    assert_eq!(
        status(handler.clone().request(peer(2002), get("allowed.test"))),
        Some(StatusCode::FORBIDDEN)
    );
    // CONNECT on :80 is refused like any other place.
    assert_eq!(
        status(handler.request(peer(2001), connect("allowed.test:443"))),
        Some(StatusCode::FORBIDDEN)
    );
}

fn tls_phase(handler: &mut GateHandler) {
    handler.phase = Phase::Tls {
        sni: Arc::from("allowed.test"),
    };
}

#[test]
fn inside_tls_the_nested_connect_is_refused() {
    let (mut handler, _registry, mut log) = handler(Listener::Tls);
    tls_phase(&mut handler);
    assert_eq!(
        status(handler.request(peer(3000), connect("evil.test:443"))),
        Some(StatusCode::FORBIDDEN)
    );
    let entry = log.try_recv().expect("entry");
    assert_eq!(entry.kind, EntryKind::Connect);
    assert!(
        entry
            .reason
            .unwrap_or_default()
            .contains("inside an intercepted connection")
    );
}

#[tokio::test]
async fn responses_are_scrubbed_and_logged_once() {
    let (mut handler, _registry, mut log) = handler(Listener::Tls);
    tls_phase(&mut handler);
    assert_eq!(
        status(handler.request(peer(3001), get("allowed.test"))),
        None
    );
    let res = Response::builder()
        .header("x-echo", REAL)
        .header(CONTENT_LENGTH, REAL.len())
        .body(Body::from(REAL.to_string()))
        .expect("response");
    let res = handler.response(res);
    assert_eq!(res.headers()["x-echo"], SURROGATE);
    assert!(res.headers().get(CONTENT_LENGTH).is_none());
    let body = res.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(body, SURROGATE.as_bytes());
    let entry = log.recv().await.expect("entry");
    assert_eq!(entry.status, Some(200));
    assert_eq!(entry.scrubbed, 2);
    assert_eq!(entry.url.as_deref(), Some("https://allowed.test/"));
}

#[tokio::test]
async fn head_responses_keep_their_length() {
    let (mut handler, _registry, mut log) = handler(Listener::Tls);
    tls_phase(&mut handler);
    let head = Request::builder()
        .method(Method::HEAD)
        .uri("/")
        .header(HOST, "allowed.test")
        .body(Body::empty())
        .expect("request");
    assert_eq!(status(handler.request(peer(3002), head)), None);
    let res = Response::builder()
        .header(CONTENT_LENGTH, "1234")
        .body(Body::empty())
        .expect("response");
    let res = handler.response(res);
    assert_eq!(res.headers()[CONTENT_LENGTH], "1234");
    assert_eq!(log.recv().await.expect("entry").status, Some(200));
}

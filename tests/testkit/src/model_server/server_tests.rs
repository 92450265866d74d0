//! Round trips over real TCP. HTTP/1.0 keeps the client trivial: the server
//! answers without chunking and closes the connection at the end.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{Value, json};

use super::{ApiError, ModelServer, RequestKind, Script, ToolUse, Turn};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn send(server: &ModelServer, method: &str, path: &str, body: &str) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    exchange(&mut stream, method, path, body)
}

fn exchange(stream: &mut (impl Read + Write), method: &str, path: &str, body: &str) -> Reply {
    let request = format!(
        "{method} {path} HTTP/1.0\r\nhost: test\r\nx-api-key: test-key\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream.flush().unwrap();
    let mut raw = Vec::new();
    // A TLS peer that closes without close_notify ends in an error after
    // the bytes it sent; those bytes are what counts.
    if let Err(error) = stream.read_to_end(&mut raw) {
        assert!(!raw.is_empty(), "no answer: {error}");
    }
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

fn messages_body(stream: bool) -> String {
    json!({
        "model": "claude-sonnet-4-5",
        "stream": stream,
        "tools": [{ "name": "Bash" }],
        "messages": [{ "role": "user", "content": "hello PELICAN" }],
    })
    .to_string()
}

fn sse_data(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            let event = frame.strip_prefix("event: ").unwrap();
            let (name, data) = event.split_once("\ndata: ").unwrap();
            (name.to_string(), serde_json::from_str(data).unwrap())
        })
        .collect()
}

#[test]
fn streams_a_scripted_reply_and_records_the_request() {
    let server = ModelServer::start(
        Script::new().turn(
            Turn::reply(super::Reply::text("hi").with_tool(ToolUse::bash("ls")))
                .expect_contains("PELICAN"),
        ),
    );
    let reply = send(
        &server,
        "POST",
        "/v1/messages?beta=true",
        &messages_body(true),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    assert!(reply.header("request-id").unwrap().starts_with("req_"));
    let events = sse_data(&reply.body);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(names.last(), Some(&"message_stop"));
    assert!(names.contains(&"ping"));
    let tool_start = events
        .iter()
        .find(|(_, d)| d["content_block"]["type"] == "tool_use")
        .unwrap();
    assert_eq!(tool_start.1["content_block"]["name"], "Bash");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].kind, RequestKind::Main { turn: Some(0) });
    assert_eq!(requests[0].header("x-api-key"), Some("<redacted>"));
    assert_eq!(requests[0].model(), Some("claude-sonnet-4-5"));
    server.assert_ok();
}

#[test]
fn answers_json_when_not_streaming() {
    let server = ModelServer::start(Script::new().turn(Turn::text("plain")));
    let reply = send(&server, "POST", "/v1/messages", &messages_body(false));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body["content"],
        json!([{ "type": "text", "text": "plain" }])
    );
    assert_eq!(body["stop_reason"], "end_turn");
    server.assert_ok();
}

#[test]
fn errors_have_the_api_shape_and_headers() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::error(ApiError::rate_limited(
                std::time::Duration::from_secs(1),
            )))
            .turn(Turn::error(ApiError::overloaded())),
    );
    let limited = send(&server, "POST", "/v1/messages", &messages_body(true));
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
    let body: Value = serde_json::from_str(&limited.body).unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert_eq!(
        Some(body["request_id"].as_str().unwrap()),
        limited.header("request-id")
    );
    let overloaded = send(&server, "POST", "/v1/messages", &messages_body(true));
    assert_eq!(overloaded.status, 529);
    server.assert_ok();
}

#[test]
fn stream_error_is_an_sse_error_event() {
    let server = ModelServer::start(Script::new().turn(Turn::stream_error(ApiError::overloaded())));
    let reply = send(&server, "POST", "/v1/messages", &messages_body(true));
    assert_eq!(reply.status, 200);
    let events = sse_data(&reply.body);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].0, "error");
    assert_eq!(events[1].1["error"]["type"], "overloaded_error");
}

#[test]
fn assert_ok_reports_every_problem() {
    let server = ModelServer::start(
        Script::new()
            .turn(Turn::text("a").expect_contains("missing words"))
            .turn(Turn::text("never used")),
    );
    send(&server, "POST", "/v1/messages", &messages_body(true));
    send(&server, "GET", "/v1/models", "");
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.assert_ok()))
        .err()
        .and_then(|p| p.downcast::<String>().ok())
        .map(|s| *s)
        .unwrap_or_default();
    assert!(panic.contains("3 problem(s)"), "{panic}");
    assert!(panic.contains("missing words"), "{panic}");
    assert!(
        panic.contains("unexpected request GET /v1/models"),
        "{panic}"
    );
    assert!(panic.contains("never used"), "{panic}");
    assert!(panic.contains("requests received"), "{panic}");
    // Without the unused turn, failures alone still fail.
    assert_eq!(server.failures().len(), 2);
}

#[test]
fn container_listener_gives_urls_for_both_sides() {
    let server = ModelServer::start_for_containers(Script::new());
    assert!(server.addr().ip().is_unspecified());
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}", server.port())
    );
    assert_eq!(
        server.container_base_url(),
        format!("http://host.containers.internal:{}", server.port())
    );
    let reply = send(&server, "HEAD", "/api/hello", "");
    assert_eq!(reply.status, 200);
}

#[test]
#[should_panic(expected = "loopback")]
fn loopback_server_has_no_container_url() {
    let server = ModelServer::start(Script::new());
    let _ = server.container_base_url();
}

#[test]
fn dropping_the_server_frees_the_port() {
    let server = ModelServer::start(Script::new());
    let addr = server.addr();
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
}

/// A CA and a leaf for `model.test` and `localhost`, as PEM.
struct TestCerts {
    ca_pem: String,
    leaf_pem: String,
    key_pem: String,
}

fn test_certs() -> TestCerts {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["model.test".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    TestCerts {
        ca_pem: ca.pem(),
        leaf_pem: leaf.pem(),
        key_pem: leaf_key.serialize_pem(),
    }
}

fn trusting_client(ca_pem: &str, name: &str) -> rustls::ClientConnection {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    rustls::ClientConnection::new(
        std::sync::Arc::new(config),
        rustls::pki_types::ServerName::try_from(name.to_string()).unwrap(),
    )
    .unwrap()
}

#[test]
fn tls_mode_serves_the_script_to_a_trusting_client() {
    let certs = test_certs();
    let server = ModelServer::start_tls_for_containers(
        Script::new().turn(Turn::text("over tls").expect_contains("PELICAN")),
        &certs.leaf_pem,
        &certs.key_pem,
    );
    assert!(server.is_tls());
    assert!(server.addr().ip().is_unspecified());
    assert_eq!(
        server.base_url(),
        format!("https://127.0.0.1:{}", server.port())
    );
    assert_eq!(
        server.container_base_url(),
        format!("https://host.containers.internal:{}", server.port())
    );

    let tcp = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    let mut tls = rustls::StreamOwned::new(trusting_client(&certs.ca_pem, "model.test"), tcp);
    let reply = exchange(&mut tls, "POST", "/v1/messages", &messages_body(false));
    assert_eq!(reply.status, 200);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body["content"],
        json!([{ "type": "text", "text": "over tls" }])
    );
    assert_eq!(tls.conn.alpn_protocol(), None, "the client offered no ALPN");
    // the key is redacted in the records but can be checked
    assert_eq!(server.requests()[0].header("x-api-key"), Some("<redacted>"));
    assert_eq!(server.secret_header_values("X-Api-Key"), vec!["test-key"]);
    assert!(server.secret_header_values("authorization").is_empty());
    assert!(!format!("{server:?}").contains("test-key"));
    server.assert_ok();
}

#[test]
fn tls_mode_refuses_plain_http_and_unusable_keys() {
    let certs = test_certs();
    let server = ModelServer::start_tls_on(
        "127.0.0.1:0",
        Script::new(),
        &certs.leaf_pem,
        &certs.key_pem,
    );
    let mut plain = TcpStream::connect(server.addr()).unwrap();
    plain.write_all(b"GET /api/hello HTTP/1.0\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw);
    assert!(
        !String::from_utf8_lossy(&raw).contains("200"),
        "plain HTTP was answered"
    );
    assert!(server.requests().is_empty());

    let error =
        ModelServer::try_start_tls_on("127.0.0.1:0", Script::new(), &certs.leaf_pem, "junk")
            .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    let error = ModelServer::try_start_tls_on("127.0.0.1:0", Script::new(), "", &certs.key_pem)
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

//! The servers the proxy forwards to: HTTPS with a certificate from a test
//! CA (trusted through `upstream_extra_roots_pem`), and plain HTTP.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

pub struct TestPki {
    pub ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// The upstream servers' CA, made once per test binary.
pub static TEST_PKI: LazyLock<TestPki> = LazyLock::new(|| {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("ca");
    TestPki {
        ca_pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
});

fn server_config(names: &[&str]) -> Arc<ServerConfig> {
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .expect("params");
    let cert = params.signed_by(&key, &TEST_PKI.issuer).expect("leaf");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("config");
    Arc::new(config)
}

type Body = BoxBody<Bytes, Infallible>;

/// What the upstream saw, for the tests to check.
#[derive(Default)]
pub struct Seen {
    pub connections: AtomicUsize,
    pub requests: Mutex<Vec<SeenRequest>>,
    /// `/sse` sends its second event only after this is notified.
    pub sse_release: Notify,
}

#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub host: Option<String>,
    pub path: String,
    pub authorization: Option<String>,
    pub accept_encoding: Option<String>,
}

pub struct Upstream {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
}

impl Upstream {
    pub async fn start_tls(names: &[&str]) -> Upstream {
        Upstream::start(Some(TlsAcceptor::from(server_config(names)))).await
    }

    pub async fn start_plain() -> Upstream {
        Upstream::start(None).await
    }

    async fn start(tls: Option<TlsAcceptor>) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Seen::default());
        let state = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                state.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&state);
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| respond(Arc::clone(&state), req));
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(tcp).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                        None => {
                            let _ = http.serve_connection(TokioIo::new(tcp), service).await;
                        }
                    }
                });
            }
        });
        Upstream { addr, seen }
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

async fn respond(seen: Arc<Seen>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let request = SeenRequest {
        host: header("host"),
        path: req.uri().path().to_string(),
        authorization: header("authorization"),
        accept_encoding: header("accept-encoding"),
    };
    if let Ok(mut requests) = seen.requests.lock() {
        requests.push(request.clone());
    }
    let full = |text: String| Full::new(Bytes::from(text)).boxed();
    let res = match request.path.as_str() {
        "/echo-auth" => {
            let auth = request.authorization.unwrap_or_default();
            Response::builder()
                .header("x-echo", auth.as_str())
                .body(full(format!("you sent: {auth}")))
        }
        "/redirect" => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", "https://blocked.test/landing")
            .body(full(String::new())),
        "/sse" => {
            let events = hudsucker::futures::stream::unfold(0u8, move |step| {
                let seen = Arc::clone(&seen);
                async move {
                    let chunk = match step {
                        0 => "data: one\n\n",
                        1 => {
                            seen.sse_release.notified().await;
                            "data: two\n\n"
                        }
                        _ => return None,
                    };
                    Some((
                        Ok::<_, Infallible>(Frame::data(Bytes::from_static(chunk.as_bytes()))),
                        step + 1,
                    ))
                }
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(BodyExt::boxed(StreamBody::new(events)))
        }
        path => Response::builder().body(full(format!("hello from upstream {path}"))),
    };
    Ok(res.unwrap_or_else(|_| Response::new(full("bad response".into()))))
}

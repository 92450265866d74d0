//! A proxy on loopback ports, with a real upstream HTTPS server (its own
//! test CA, reached through `upstream_hosts` + port overrides), a plain
//! HTTP one, a counting resolver and helpers to talk TLS to the proxy.
#![allow(dead_code)]

pub mod upstream;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airut_proxy::ca::{CaPem, generate_ca};
use airut_proxy::config::{ListenConfig, ProxyConfig};
use airut_proxy::masking::MaskedSecret;
use airut_proxy::mitm::{Limits, MitmOptions, Resolve, ResolveFuture};
use airut_proxy::netlog::NetLogEntry;
use airut_proxy::policy::Allowlist;
use airut_proxy::run::{ProxyError, ProxyServer};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub use upstream::Upstream;

pub const SURROGATE: &str = "sk-surrogate-0123456789abcdef";
pub const REAL: &str = "sk-real-value-fedcba9876543210";

/// Answers every name with 127.0.0.1 and counts the questions.
#[derive(Default)]
pub struct CountingResolver {
    pub calls: AtomicUsize,
    pub names: std::sync::Mutex<Vec<String>>,
}

impl Resolve for CountingResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut names) = self.names.lock() {
            names.push(host.to_string());
        }
        Box::pin(async { Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]) })
    }
}

pub struct Harness {
    pub server: ProxyServer,
    pub ca: CaPem,
    pub log_path: PathBuf,
    pub resolver: Arc<CountingResolver>,
    pub https_upstream: Upstream,
    pub http_upstream: Upstream,
    _dir: tempfile::TempDir,
}

pub fn masked_secret() -> MaskedSecret {
    MaskedSecret {
        env_name: "API_KEY".into(),
        surrogate: SURROGATE.into(),
        real: REAL.into(),
        scopes: vec!["allowed.test".into()],
        headers: vec!["Authorization".into()],
        allow_foreign_credentials: false,
    }
}

/// Allowed: allowed.test, other.test (HTTPS upstream), plain.test (HTTP
/// upstream), unmapped.test (allowed, but only DNS knows it). Everything
/// else is blocked.
pub async fn harness() -> Harness {
    harness_with(Limits::default()).await
}

pub async fn harness_with(limits: Limits) -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let https_upstream = Upstream::start_tls(&["allowed.test", "other.test"]).await;
    let http_upstream = Upstream::start_plain().await;
    let ca = generate_ca("Airut proxy test CA").expect("ca");
    let config = base_config(dir.path(), &ca);
    let resolver = Arc::new(CountingResolver::default());
    let options = MitmOptions {
        resolver: Some(resolver.clone()),
        upstream_ports: BTreeMap::from([
            ("allowed.test".to_string(), https_upstream.addr.port()),
            ("other.test".to_string(), https_upstream.addr.port()),
            ("plain.test".to_string(), http_upstream.addr.port()),
        ]),
        limits,
    };
    let server = start_retrying(&config, &options).await;
    Harness {
        server,
        log_path: config.log_path,
        ca,
        resolver,
        https_upstream,
        http_upstream,
        _dir: dir,
    }
}

/// `bind_dns` on port 0 takes a free UDP port and then TCP on the same
/// number, which another socket may hold: try again on that one race.
pub async fn start_retrying(config: &ProxyConfig, options: &MitmOptions) -> ProxyServer {
    let mut attempts = 0;
    loop {
        match ProxyServer::start(config, options.clone()).await {
            Ok(server) => return server,
            Err(ProxyError::Dns(err))
                if err.kind() == std::io::ErrorKind::AddrInUse && attempts < 10 =>
            {
                attempts += 1;
            }
            Err(err) => panic!("proxy: {err}"),
        }
    }
}

/// The harness's config: the allowlist, mappings and roots described on
/// [`harness`], every listener on 127.0.0.1:0, the log in `dir`.
pub fn base_config(dir: &std::path::Path, ca: &CaPem) -> ProxyConfig {
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    ProxyConfig {
        proxy_ip: Ipv4Addr::LOCALHOST,
        task_id: "task-1".into(),
        allowlist: Allowlist {
            domains: ["allowed.test", "other.test", "plain.test", "unmapped.test"]
                .map(String::from)
                .to_vec(),
            url_prefixes: vec![],
        },
        masked_secrets: vec![masked_secret()],
        upstream_hosts: BTreeMap::from([
            ("allowed.test".to_string(), localhost),
            ("other.test".to_string(), localhost),
            ("plain.test".to_string(), localhost),
        ]),
        upstream_ports: BTreeMap::new(),
        upstream_dns: None,
        ca_cert_pem: ca.cert_pem.clone(),
        ca_key_pem: ca.key_pem.clone(),
        upstream_extra_roots_pem: Some(upstream::TEST_PKI.ca_pem.clone()),
        listen: ListenConfig {
            http: loopback,
            https: loopback,
            dns: loopback,
        },
        log_path: dir.join("network.log"),
    }
}

impl Harness {
    pub fn https_addr(&self) -> SocketAddr {
        self.server.addrs.mitm.https
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.server.addrs.mitm.http
    }

    /// A TLS client trusting the proxy CA, offering `alpn`.
    pub async fn tls(&self, sni: &str, alpn: &[&[u8]]) -> std::io::Result<TlsStream<TcpStream>> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.ca.cert_pem.as_bytes()) {
            roots.add(cert.expect("pem")).expect("root");
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let tcp = TcpStream::connect(self.https_addr()).await?;
        let name = ServerName::try_from(sni.to_string()).expect("name");
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
    }

    /// One HTTP/1.1 request over a fresh TLS connection with SNI `sni`.
    pub async fn https(&self, sni: &str, request: Request<Empty<Bytes>>) -> Reply {
        let tls = self.tls(sni, &[b"http/1.1"]).await.expect("tls");
        send(tls, request).await
    }

    /// One plain HTTP request to the proxy's :80.
    pub async fn http(&self, request: Request<Empty<Bytes>>) -> Reply {
        let tcp = TcpStream::connect(self.http_addr()).await.expect("connect");
        send(tcp, request).await
    }

    pub fn log_entries(&self) -> Vec<NetLogEntry> {
        std::fs::read_to_string(&self.log_path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The first log entry matching `pred`, waiting up to 5 s for it.
    pub async fn wait_log(&self, pred: impl Fn(&NetLogEntry) -> bool) -> NetLogEntry {
        for _ in 0..250 {
            if let Some(entry) = self.log_entries().into_iter().find(&pred) {
                return entry;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no matching log entry in {:#?}", self.log_entries());
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn send<S>(io: S, request: Request<Empty<Bytes>>) -> Reply
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let res = sender.send_request(request).await.expect("response");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub fn get(host: &str, path: &str) -> Request<Empty<Bytes>> {
    Request::builder()
        .uri(path)
        .header(http::header::HOST, host)
        .body(Empty::new())
        .expect("request")
}

//! The only way out: the connector hudsucker's client dials upstreams with.
//!
//! hyper calls it only for requests the gate forwarded, so a name is
//! resolved only after it was allowed. Operator mappings
//! (`upstream_hosts`) win over DNS; resolved addresses that point back into
//! the proxy container or at cloud metadata are refused. TLS to the
//! upstream is verified (public roots plus `upstream_extra_roots_pem`) for
//! the very name the gate checked (SNI = Host = URI host).

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_rustls::HttpsConnector;
use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use thiserror::Error;
use tokio::net::{TcpSocket, TcpStream};

use super::resolve::{Resolve, refused_address};

#[derive(Debug, Error)]
pub enum UpstreamError {
    #[error("upstream URL {0} has no host")]
    NoHost(String),
    #[error("cannot resolve {host}: {source}")]
    Resolve { host: String, source: io::Error },
    #[error("{host} resolves to no address")]
    NoAddress { host: String },
    #[error(
        "refused to connect to {host} at {ip} ({why}); an operator can map the name in network.upstream_hosts"
    )]
    Refused {
        host: String,
        ip: IpAddr,
        why: &'static str,
    },
    #[error("connecting to {host} ({addr}) timed out")]
    ConnectTimeout { host: String, addr: SocketAddr },
    #[error("cannot connect to {host} ({addr}): {source}")]
    Connect {
        host: String,
        addr: SocketAddr,
        source: io::Error,
    },
}

#[derive(Debug, Error)]
pub enum TlsRootsError {
    #[error("upstream_extra_roots_pem: {0}")]
    Pem(String),
    #[error("upstream_extra_roots_pem: certificate rejected: {0}")]
    Rejected(rustls::Error),
    #[error("rustls: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Dials allowed upstreams by name (the URI host), never by client choice.
#[derive(Clone)]
pub struct UpstreamConnector {
    inner: Arc<Inner>,
}

struct Inner {
    hosts: BTreeMap<String, IpAddr>,
    ports: BTreeMap<String, u16>,
    resolver: Arc<dyn Resolve>,
    connect_timeout: Duration,
}

impl UpstreamConnector {
    /// `hosts`: fixed addresses (`network.upstream_hosts`, lower-case
    /// names), exempt from the address refusal because an operator chose
    /// them. `ports`: fixed ports by name (tests and local services), which
    /// replace the scheme's port.
    pub fn new(
        hosts: BTreeMap<String, IpAddr>,
        ports: BTreeMap<String, u16>,
        resolver: Arc<dyn Resolve>,
        connect_timeout: Duration,
    ) -> UpstreamConnector {
        UpstreamConnector {
            inner: Arc::new(Inner {
                hosts,
                ports,
                resolver,
                connect_timeout,
            }),
        }
    }

    async fn connect(self, uri: Uri) -> Result<TokioIo<TcpStream>, UpstreamError> {
        let inner = &self.inner;
        let raw = uri
            .host()
            .ok_or_else(|| UpstreamError::NoHost(uri.to_string()))?;
        let host = raw
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let default_port = if uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
            443
        } else {
            80
        };
        let port = inner
            .ports
            .get(&host)
            .copied()
            .or_else(|| uri.port_u16())
            .unwrap_or(default_port);
        let ips = self.addresses(&host).await?;
        let mut last = None;
        for ip in ips {
            let addr = SocketAddr::new(ip, port);
            match dial(addr, inner.connect_timeout).await {
                Ok(stream) => return Ok(TokioIo::new(stream)),
                Err(None) => {
                    last = Some(UpstreamError::ConnectTimeout {
                        host: host.clone(),
                        addr,
                    })
                }
                Err(Some(source)) => {
                    last = Some(UpstreamError::Connect {
                        host: host.clone(),
                        addr,
                        source,
                    })
                }
            }
        }
        Err(last.unwrap_or(UpstreamError::NoAddress { host }))
    }

    /// The addresses to try for `host`, mapped first, then literal, then
    /// resolved; refused addresses are dropped (and reported if none is
    /// left).
    async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, UpstreamError> {
        if let Some(ip) = self.inner.hosts.get(host) {
            return Ok(vec![*ip]);
        }
        let candidates = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self.inner.resolver.resolve(host).await.map_err(|source| {
                UpstreamError::Resolve {
                    host: host.to_string(),
                    source,
                }
            })?,
        };
        let mut refusal = None;
        let mut usable = Vec::with_capacity(candidates.len());
        for ip in candidates {
            match refused_address(ip) {
                Some(why) => refusal = Some((ip, why)),
                None => usable.push(ip),
            }
        }
        match (usable.is_empty(), refusal) {
            (true, Some((ip, why))) => Err(UpstreamError::Refused {
                host: host.to_string(),
                ip,
                why,
            }),
            (true, None) => Err(UpstreamError::NoAddress {
                host: host.to_string(),
            }),
            (false, _) => Ok(usable),
        }
    }
}

/// `Err(None)` is a timeout.
async fn dial(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, Option<io::Error>> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(Some)?;
    socket.set_nodelay(true).map_err(Some)?;
    match tokio::time::timeout(timeout, socket.connect(addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(err)) => Err(Some(err)),
        Err(_) => Err(None),
    }
}

impl tower_service::Service<Uri> for UpstreamConnector {
    type Response = TokioIo<TcpStream>;
    type Error = UpstreamError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

/// Verified TLS (HTTP/1.1 only) around `connector`; plain `http://` passes
/// through for :80 requests.
pub fn https_connector(
    connector: UpstreamConnector,
    extra_roots_pem: Option<&str>,
) -> Result<HttpsConnector<UpstreamConnector>, TlsRootsError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = extra_roots_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|err| TlsRootsError::Pem(err.to_string()))?;
            roots.add(cert).map_err(TlsRootsError::Rejected)?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // No ALPN: hyper-rustls insists on choosing it, and for HTTP/1 only it
    // offers none, which every server reads as HTTP/1.1.
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector))
}

#[cfg(test)]
#[path = "upstream_tests.rs"]
mod tests;

//! Wiring: the listeners, two hudsucker instances (TLS and plain) behind
//! loopback, the tripwire, and the upstream client.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use hudsucker::Proxy;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto::Builder as ServerBuilder;
use thiserror::Error;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::Limits;
use super::front::{self, Front, Port};
use super::gate::Gate;
use super::handler::{GateHandler, Listener, Shared};
use super::registry::PeerRegistry;
use super::resolve::{DnsServerResolver, Resolve, SystemResolver};
use super::upstream::{TlsRootsError, UpstreamConnector, https_connector};
use crate::ca::{CaError, authority_from_pem};
use crate::config::ProxyConfig;
use crate::masking::{CredentialMasker, MaskingError};
use crate::netlog::NetLog;

#[derive(Debug, Error)]
pub enum MitmError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error(transparent)]
    Ca(#[from] CaError),
    #[error(transparent)]
    Masking(#[from] MaskingError),
    #[error(transparent)]
    TlsRoots(#[from] TlsRootsError),
    #[error("upstream_dns {addr}: {source}")]
    UpstreamDns { addr: SocketAddr, source: io::Error },
    #[error("hudsucker: {0}")]
    Hudsucker(#[from] hudsucker::Error),
}

/// What the config does not carry.
#[derive(Clone, Default)]
pub struct MitmOptions {
    pub limits: Limits,
    /// Replaces the resolver chosen from `upstream_dns` (tests count calls).
    pub resolver: Option<Arc<dyn Resolve>>,
    /// Fixed upstream ports by host name, replacing 443/80: lets tests (and
    /// local services) stand in for an allowlisted host on another port.
    pub upstream_ports: BTreeMap<String, u16>,
}

/// Where everything listens (the internal ones on 127.0.0.1 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MitmAddrs {
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub internal_tls: SocketAddr,
    pub internal_plain: SocketAddr,
    pub tripwire: SocketAddr,
}

/// The running HTTP(S) path; [`MitmServer::shutdown`] stops it.
pub struct MitmServer {
    pub addrs: MitmAddrs,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl MitmServer {
    /// Binds every listener and starts serving. Fails (nothing left running)
    /// if a port is taken or the CA, secrets or roots are unusable.
    pub async fn start(
        config: &ProxyConfig,
        log: NetLog,
        options: MitmOptions,
    ) -> Result<MitmServer, MitmError> {
        let limits = options.limits;
        let masker = Arc::new(CredentialMasker::new(config.masked_secrets.clone())?);
        let resolver: Arc<dyn Resolve> = match (options.resolver, config.upstream_dns) {
            (Some(resolver), _) => resolver,
            (None, Some(addr)) => Arc::new(
                DnsServerResolver::new(addr)
                    .map_err(|source| MitmError::UpstreamDns { addr, source })?,
            ),
            (None, None) => Arc::new(SystemResolver),
        };
        let hosts = config
            .upstream_hosts
            .iter()
            .map(|(name, ip)| (name.trim_end_matches('.').to_ascii_lowercase(), *ip))
            .collect();
        let connector = UpstreamConnector::new(
            hosts,
            options.upstream_ports,
            resolver,
            limits.upstream_connect,
        );
        let connector = https_connector(connector, config.upstream_extra_roots_pem.as_deref())?;

        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let tripwire = listen(loopback)?;
        let internal_tls = listen(loopback)?;
        let internal_plain = listen(loopback)?;
        let http = listen(config.listen.http)?;
        let https = listen(config.listen.https)?;
        let addrs = MitmAddrs {
            http: local(&http)?,
            https: local(&https)?,
            internal_tls: local(&internal_tls)?,
            internal_plain: local(&internal_plain)?,
            tripwire: local(&tripwire)?,
        };

        let registry = PeerRegistry::default();
        let gate = Arc::new(Gate {
            allowlist: config.allowlist.clone(),
            masker,
            log: log.clone(),
        });
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for (listener, kind) in [
            (internal_tls, Listener::Tls),
            (internal_plain, Listener::Plain),
        ] {
            let shared = Arc::new(Shared {
                gate: Arc::clone(&gate),
                registry: registry.clone(),
                listener: kind,
                tripwire: addrs.tripwire.to_string(),
            });
            let mut stopped = stopped.clone();
            let proxy = Proxy::builder()
                .with_listener(listener)
                .with_ca(authority_from_pem(&config.ca_cert_pem, &config.ca_key_pem)?)
                .with_http_connector(connector.clone())
                .with_http_handler(GateHandler::new(shared))
                .with_server(server_builder(&limits))
                .with_client(client_builder(&limits))
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .build()?;
            tasks.spawn(async move {
                if let Err(err) = proxy.start().await {
                    tracing::error!("hudsucker stopped: {err}");
                }
            });
        }

        let front = Arc::new(Front {
            registry,
            log: log.clone(),
            internal_tls: addrs.internal_tls,
            internal_plain: addrs.internal_plain,
            tripwire: addrs.tripwire.to_string(),
            limits,
            permits: Arc::new(Semaphore::new(limits.max_connections)),
        });
        tasks.spawn(front::serve(
            https,
            Port::Https,
            Arc::clone(&front),
            stopped.clone(),
        ));
        tasks.spawn(front::serve(http, Port::Http, front, stopped.clone()));
        tasks.spawn(front::serve_tripwire(tripwire, log, stopped));
        Ok(MitmServer { addrs, stop, tasks })
    }

    /// Stops accepting, lets open connections finish for the grace period,
    /// then drops what is left.
    pub async fn shutdown(mut self, grace: std::time::Duration) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.tasks.abort_all();
    }
}

/// HTTP/1 with a header (and keep-alive idle) timeout. hudsucker serves
/// with `serve_connection_with_upgrades`, which ignores `http1_only` and
/// accepts an h2 preface whenever hyper-util's `http2` feature is on (it is,
/// in the gateway binary); so HTTP/2 is made useless instead: zero
/// concurrent streams, every stream refused. (The gate would check HTTP/2
/// requests correctly too; this keeps the surface to what is tested.)
fn server_builder(limits: &Limits) -> ServerBuilder<TokioExecutor> {
    let mut builder = ServerBuilder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(0);
    builder
}

fn client_builder(limits: &Limits) -> hyper_util::client::legacy::Builder {
    let mut builder = Client::builder(TokioExecutor::new());
    builder
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(limits.upstream_pool_idle)
        .timer(TokioTimer::new());
    builder
}

/// A listener with `TCP_NODELAY`, which Linux passes on to every accepted
/// socket — including the ones hudsucker accepts, which it never sets
/// itself (without it, 40 ms delayed-ACK stalls on small writes).
fn listen(addr: SocketAddr) -> Result<TcpListener, MitmError> {
    let bind = |addr: SocketAddr| -> io::Result<TcpListener> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }?;
        socket.set_reuseaddr(true)?;
        socket.set_nodelay(true)?;
        socket.bind(addr)?;
        socket.listen(1024)
    };
    bind(addr).map_err(|source| MitmError::Bind { addr, source })
}

fn local(listener: &TcpListener) -> Result<SocketAddr, MitmError> {
    listener.local_addr().map_err(|source| MitmError::Bind {
        addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        source,
    })
}

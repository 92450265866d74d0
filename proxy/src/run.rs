//! `airut proxy` from config to exit: the network log, DNS, the HTTP(S)
//! path, the ready line, and a clean stop on SIGTERM, SIGINT or when the
//! gateway closes our stdin.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use thiserror::Error;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::config::{ProxyConfig, READY_LINE};
use crate::dns::{bind_dns, serve_dns};
use crate::mitm::{MitmAddrs, MitmError, MitmOptions, MitmServer};
use crate::netlog::{EntryKind, NetLog, NetLogEntry, Verdict};

#[derive(Debug, Error)]
pub enum ProxyError {
    #[error("network log {path}: {source}")]
    Log { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Dns(io::Error),
    #[error(transparent)]
    Mitm(#[from] MitmError),
    #[error("cannot write the ready line: {0}")]
    Ready(io::Error),
    #[error("cannot install signal handlers: {0}")]
    Signals(io::Error),
}

/// Where a running proxy listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyAddrs {
    pub mitm: MitmAddrs,
    /// UDP and TCP.
    pub dns: SocketAddr,
}

/// A running proxy: everything bound and serving.
pub struct ProxyServer {
    pub addrs: ProxyAddrs,
    mitm: MitmServer,
    dns_stop: watch::Sender<bool>,
    dns: JoinHandle<()>,
    grace: std::time::Duration,
}

impl ProxyServer {
    /// Opens the log (and records the task start), binds DNS, :80 and :443
    /// and starts serving. Nothing is left running on error.
    pub async fn start(
        config: &ProxyConfig,
        options: MitmOptions,
    ) -> Result<ProxyServer, ProxyError> {
        let log = NetLog::open(&config.log_path, &config.task_id)
            .await
            .map_err(|source| ProxyError::Log {
                path: config.log_path.clone(),
                source,
            })?;
        log.record(NetLogEntry {
            kind: EntryKind::TaskStart,
            verdict: Verdict::Allowed,
            ..NetLogEntry::default()
        });
        let (udp, tcp) = bind_dns(config.listen.dns).await.map_err(ProxyError::Dns)?;
        let dns_addr = udp.local_addr().map_err(ProxyError::Dns)?;
        let grace = options.limits.shutdown_grace;
        let mitm = MitmServer::start(config, log.clone(), options).await?;
        let (dns_stop, mut stopped) = watch::channel(false);
        let dns = tokio::spawn(serve_dns(udp, tcp, config.proxy_ip, log, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
        Ok(ProxyServer {
            addrs: ProxyAddrs {
                mitm: mitm.addrs,
                dns: dns_addr,
            },
            mitm,
            dns_stop,
            dns,
            grace,
        })
    }

    pub async fn shutdown(self) {
        let _ = self.dns_stop.send(true);
        self.mitm.shutdown(self.grace).await;
        let _ = self.dns.await;
    }
}

/// Serves until SIGTERM, SIGINT or end of stdin. Prints [`READY_LINE`] on
/// stdout once everything is bound: the gateway starts the task container
/// only after reading it.
pub async fn run_proxy(config: ProxyConfig) -> Result<(), ProxyError> {
    let stop = stop_signal().map_err(ProxyError::Signals)?;
    let options = MitmOptions {
        upstream_ports: config.upstream_ports.clone(),
        ..MitmOptions::default()
    };
    run_proxy_until(config, options, stop).await
}

/// [`run_proxy`] with the stop condition and options given.
pub async fn run_proxy_until(
    config: ProxyConfig,
    options: MitmOptions,
    stop: impl Future<Output = ()>,
) -> Result<(), ProxyError> {
    let server = ProxyServer::start(&config, options).await?;
    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "{READY_LINE}").map_err(ProxyError::Ready)?;
        stdout.flush().map_err(ProxyError::Ready)?;
    }
    stop.await;
    server.shutdown().await;
    Ok(())
}

/// Completes on SIGTERM, SIGINT, or when stdin reaches its end (the
/// gateway keeps it open for the proxy's lifetime, so its end means the
/// gateway is gone). Installed before the ready line, so no signal is lost.
fn stop_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let (eof_tx, eof_rx) = oneshot::channel::<()>();
    // A plain thread: tokio's stdin would keep a blocking-pool thread that
    // delays runtime shutdown; this one simply dies with the process.
    std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(move || {
            let mut stdin = io::stdin().lock();
            let mut buf = [0u8; 512];
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            let _ = eof_tx.send(());
        })?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
            _ = eof_rx => tracing::info!("stdin closed: stopping"),
        }
    })
}

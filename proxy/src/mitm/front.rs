//! The listeners the task container talks to, and the tripwire.
//!
//! hudsucker accepts only from its own listener, so each public port has a
//! small adapter that accepts the client, checks what it can before a byte
//! moves (for :443: TLS with a host name in SNI), opens a loopback
//! connection to hudsucker's internal listener, registers that connection's
//! local address with what it learned, and splices the two.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::Limits;
use super::client_hello::{HelloError, read_client_hello};
use super::registry::{PeerRegistry, Registration, Route};
use super::splice::splice;
use crate::netlog::{EntryKind, NetLog, NetLogEntry, Verdict};

/// hudsucker's answer to the adapter's CONNECT is a short head; anything
/// longer is not the answer we expect.
const MAX_CONNECT_RESPONSE: usize = 4096;

pub(crate) struct Front {
    pub registry: PeerRegistry,
    pub log: NetLog,
    pub internal_tls: SocketAddr,
    pub internal_plain: SocketAddr,
    /// `127.0.0.1:port`, the authority of every CONNECT the adapter writes.
    pub tripwire: String,
    pub limits: Limits,
    pub permits: Arc<Semaphore>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Port {
    Https,
    Http,
}

/// Accepts until `shutdown` turns true, then gives open connections
/// `limits.shutdown_grace` and drops the rest.
pub(crate) async fn serve(
    listener: TcpListener,
    port: Port,
    front: Arc<Front>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        // Wait for a slot before accepting: excess clients queue in the
        // kernel instead of costing memory here.
        let permit = tokio::select! {
            permit = Arc::clone(&front.permits).acquire_owned() => permit,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let (client, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of descriptors and the like: back off, keep serving.
                tracing::warn!("accept failed: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let front = Arc::clone(&front);
        connections.spawn(async move {
            let _permit = permit;
            match port {
                Port::Https => https_connection(client, peer, &front).await,
                Port::Http => http_connection(client, peer, &front).await,
            }
        });
    }
    let _ = tokio::time::timeout(front.limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

async fn https_connection(mut client: TcpStream, peer: SocketAddr, front: &Front) {
    let _ = client.set_nodelay(true);
    let hello =
        match tokio::time::timeout(front.limits.client_hello, read_client_hello(&mut client)).await
        {
            Ok(Ok(hello)) => hello,
            Ok(Err(HelloError::Empty)) => return,
            Ok(Err(err)) => return refuse(front, peer, &err.to_string()),
            Err(_) => {
                let why = format!(
                    "no ClientHello within {} s",
                    front.limits.client_hello.as_secs()
                );
                return refuse(front, peer, &why);
            }
        };
    let mut internal = match dial_internal(front.internal_tls).await {
        Ok(stream) => stream,
        Err(err) => return tracing::error!("internal TLS listener unreachable: {err}"),
    };
    let Ok(local) = internal.local_addr() else {
        return;
    };
    let _registered = front.registry.register(
        local,
        Registration {
            client: peer,
            route: Route::Tls { sni: hello.sni },
        },
    );
    // CONNECT and ClientHello in one write: hudsucker sniffs the first
    // bytes after the CONNECT with a single read, and must see all of
    // 0x16 0x03 there, or it tunnels (to the tripwire).
    let tripwire = &front.tripwire;
    let mut head = format!("CONNECT {tripwire} HTTP/1.1\r\nHost: {tripwire}\r\n\r\n").into_bytes();
    head.extend_from_slice(&hello.bytes);
    if let Err(err) = internal.write_all(&head).await {
        return tracing::error!("internal TLS listener: write failed: {err}");
    }
    let early = match tokio::time::timeout(
        front.limits.client_hello,
        connect_response(&mut internal),
    )
    .await
    {
        Ok(Ok(early)) => early,
        Ok(Err(err)) => {
            return tracing::error!("internal TLS listener refused the adapter's CONNECT: {err}");
        }
        Err(_) => {
            return tracing::error!("internal TLS listener did not answer the adapter's CONNECT");
        }
    };
    if !early.is_empty() && client.write_all(&early).await.is_err() {
        return;
    }
    if let Err(err) = splice(client, internal, front.limits.idle).await {
        tracing::debug!("https connection from {peer} ended: {err}");
    }
}

async fn http_connection(client: TcpStream, peer: SocketAddr, front: &Front) {
    let _ = client.set_nodelay(true);
    let internal = match dial_internal(front.internal_plain).await {
        Ok(stream) => stream,
        Err(err) => return tracing::error!("internal HTTP listener unreachable: {err}"),
    };
    let Ok(local) = internal.local_addr() else {
        return;
    };
    let _registered = front.registry.register(
        local,
        Registration {
            client: peer,
            route: Route::Plain,
        },
    );
    if let Err(err) = splice(client, internal, front.limits.idle).await {
        tracing::debug!("http connection from {peer} ended: {err}");
    }
}

fn refuse(front: &Front, peer: SocketAddr, why: &str) {
    tracing::warn!("BLOCKED connection from {peer} on :443: {why}");
    front.log.record(NetLogEntry {
        kind: EntryKind::Connection,
        verdict: Verdict::Blocked,
        reason: Some(format!("{why} (from {peer})")),
        ..NetLogEntry::default()
    });
}

async fn dial_internal(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.set_nodelay(true)?;
    socket.connect(addr).await
}

/// Reads hudsucker's answer to the CONNECT; `Ok` only for a 200, with any
/// bytes that came after the head (the start of the TLS handshake).
async fn connect_response(internal: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 1024];
    loop {
        let n = internal.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let status = buf.split(|b| *b == b' ').nth(1).unwrap_or_default();
            if status != b"200" {
                let line = buf.split(|b| *b == b'\r').next().unwrap_or_default();
                return Err(io::Error::other(String::from_utf8_lossy(line).into_owned()));
            }
            return Ok(buf.split_off(end + 4));
        }
        if buf.len() > MAX_CONNECT_RESPONSE {
            return Err(io::Error::other("oversized CONNECT response"));
        }
    }
}

/// Every connection here is hudsucker dialing raw (a tunnel it opens when
/// it does not intercept, or for bytes it does not recognise). Logged and
/// closed: nothing raw ever reaches an upstream.
pub(crate) async fn serve_tripwire(
    listener: TcpListener,
    log: NetLog,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                drop(stream);
                tracing::error!("raw tunnel attempt reached the tripwire (from {peer}); closed");
                log.record(NetLogEntry {
                    kind: EntryKind::Connection,
                    verdict: Verdict::Blocked,
                    reason: Some("raw tunnel attempt reached the tripwire; closed".into()),
                    ..NetLogEntry::default()
                });
            }
            Err(err) => {
                tracing::warn!("tripwire accept failed: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

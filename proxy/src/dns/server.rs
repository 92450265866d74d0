//! The responder's I/O: one UDP socket and one TCP listener on the same
//! port, each query handed to [`packet::respond`] and each decision written
//! to the network log. Nothing here resolves or forwards anything.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::packet::{self, Answer, PacketError, Response};
use crate::netlog::{EntryKind, NetLog, NetLogEntry, Verdict};

/// TCP connections served at once; more wait in the listen backlog. A task
/// container has no reason to hold many, and each costs a task and a buffer.
const MAX_TCP_CONNECTIONS: usize = 64;
/// How long a TCP client may take to send its next whole query (or to read
/// our reply) before the connection is closed; RFC 7766 suggests seconds.
const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed `accept` or `recv`, so a persistent error (out of
/// file descriptors) cannot spin a core.
const ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// Binds UDP and TCP on `addr`. With port 0 the TCP listener takes the port
/// the UDP socket got, so both transports answer on one port as clients
/// expect. Kept apart from [`serve_dns`] so the proxy can report ready only
/// once every listener is bound.
pub async fn bind_dns(addr: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    // With port 0 the kernel picks a free UDP port whose TCP twin may be
    // taken by someone else: then pick again (bounded). A fixed port gets
    // one try and its real error.
    let attempts = if addr.port() == 0 { 16 } else { 1 };
    let mut last = None;
    for _ in 0..attempts {
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|e| context(e, "UDP", addr))?;
        let bound = udp.local_addr()?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(context(e, "TCP", bound)),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("DNS: no port could be bound")))
}

fn context(err: io::Error, transport: &str, addr: SocketAddr) -> io::Error {
    io::Error::new(
        err.kind(),
        format!("DNS over {transport}: cannot bind {addr}: {err}"),
    )
}

/// Answers on both sockets until `shutdown` completes. Every TCP connection
/// is owned here and dropped on return: no task outlives the call.
pub async fn serve_dns(
    udp: UdpSocket,
    tcp: TcpListener,
    proxy_ip: Ipv4Addr,
    log: NetLog,
    shutdown: impl Future<Output = ()>,
) {
    let limits = TcpLimits {
        max_connections: MAX_TCP_CONNECTIONS,
        idle_timeout: TCP_IDLE_TIMEOUT,
    };
    tokio::select! {
        () = serve_udp(&udp, proxy_ip, &log) => {}
        () = serve_tcp(tcp, proxy_ip, &log, limits) => {}
        () = shutdown => {}
    }
}

/// One datagram, one reply, in order: `respond` takes microseconds, so a
/// single loop keeps up with anything a container can send.
async fn serve_udp(socket: &UdpSocket, proxy_ip: Ipv4Addr, log: &NetLog) {
    // A datagram longer than the buffer would be cut silently; 64 KiB holds
    // any UDP payload.
    let mut buf = vec![0u8; usize::from(u16::MAX)];
    loop {
        let (len, peer) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(err) => {
                tracing::debug!("DNS over UDP: receive failed: {err}");
                tokio::time::sleep(ERROR_BACKOFF).await;
                continue;
            }
        };
        let Some(query) = buf.get(..len) else {
            continue;
        };
        let Some(response) = answer_and_log(query, proxy_ip, log) else {
            continue;
        };
        if let Err(err) = socket.send_to(&response.udp_bytes(), peer).await {
            tracing::debug!("DNS over UDP: reply to {peer} failed: {err}");
        }
    }
}

#[derive(Clone, Copy)]
struct TcpLimits {
    max_connections: usize,
    idle_timeout: Duration,
}

async fn serve_tcp(listener: TcpListener, proxy_ip: Ipv4Addr, log: &NetLog, limits: TcpLimits) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    loop {
        // Finished connections are reaped here; at most `max_connections`
        // are unfinished, so the set stays small.
        while connections.try_join_next().is_some() {}
        // The semaphore is never closed, so this cannot fail.
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(err) => {
                tracing::warn!("DNS over TCP: accept failed: {err}");
                tokio::time::sleep(ERROR_BACKOFF).await;
                continue;
            }
        };
        let log = log.clone();
        connections.spawn(async move {
            serve_connection(stream, proxy_ip, &log, limits.idle_timeout).await;
            drop(permit);
        });
    }
}

/// Queries framed by a 2-byte length (RFC 1035 §4.2.2), answered in order,
/// until the client closes, stalls for `idle_timeout`, or sends a packet that
/// earns no reply (the framing can no longer be trusted).
async fn serve_connection<S>(
    mut stream: S,
    proxy_ip: Ipv4Addr,
    log: &NetLog,
    idle_timeout: Duration,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut query = Vec::new();
    loop {
        match tokio::time::timeout(idle_timeout, read_message(&mut stream, &mut query)).await {
            Ok(Ok(true)) => {}
            // Closed, broken or idle: nothing to say back.
            Ok(Ok(false) | Err(_)) | Err(_) => return,
        }
        let Some(response) = answer_and_log(&query, proxy_ip, log) else {
            return;
        };
        // Never fails: a reply is at most ~300 bytes (a 259-byte question,
        // one A record, one OPT).
        let Ok(len) = u16::try_from(response.bytes.len()) else {
            return;
        };
        // Length and body in one write, so the reply leaves in one segment.
        let mut frame = Vec::with_capacity(2 + response.bytes.len());
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&response.bytes);
        match tokio::time::timeout(idle_timeout, stream.write_all(&frame)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return,
        }
    }
}

/// Reads one length-prefixed message into `buf`; `false` on a clean close
/// between messages.
async fn read_message<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut len = [0u8; 2];
    if stream.read(&mut len[..1]).await? == 0 {
        return Ok(false);
    }
    stream.read_exact(&mut len[1..]).await?;
    buf.clear();
    buf.resize(usize::from(u16::from_be_bytes(len)), 0);
    stream.read_exact(buf).await?;
    Ok(true)
}

/// Answers one query and logs the decision; `None` when nothing is sent.
fn answer_and_log(query: &[u8], proxy_ip: Ipv4Addr, log: &NetLog) -> Option<Response> {
    match packet::respond(query, proxy_ip) {
        Ok(response) => {
            log.record(answered_entry(&response));
            Some(response)
        }
        Err(err) => {
            log.record(dropped_entry(&err));
            None
        }
    }
}

/// The network log line for a reply: `answer` is what the client was told
/// (the address, `NODATA`, an RCODE), `reason` the why in words. Only the
/// escaped name and fixed texts reach it, so no query byte can break a line.
fn answered_entry(response: &Response) -> NetLogEntry {
    let (verdict, answer, reason) = match &response.answer {
        Answer::Address(ip) => (
            Verdict::Allowed,
            ip.to_string(),
            "answered with proxy address".to_string(),
        ),
        Answer::NoData => (
            Verdict::Allowed,
            "NODATA".to_string(),
            "no data (only A is answered)".to_string(),
        ),
        Answer::NotImplemented { opcode } => (
            Verdict::Blocked,
            "NOTIMP".to_string(),
            format!("opcode {opcode} not implemented"),
        ),
        Answer::FormatError(why) => (
            Verdict::Blocked,
            "FORMERR".to_string(),
            format!("malformed query: {why}"),
        ),
        Answer::BadVersion { version } => (
            Verdict::Blocked,
            "BADVERS".to_string(),
            format!("EDNS version {version} not supported"),
        ),
    };
    let has_question = !response.qname.is_empty();
    NetLogEntry {
        kind: EntryKind::Dns,
        verdict,
        method: has_question.then(|| response.qtype_text()),
        url: has_question.then(|| response.qname.clone()),
        answer: Some(answer),
        reason: Some(reason),
        ..NetLogEntry::default()
    }
}

/// No reply was sent, so no `answer`; the reason says why.
fn dropped_entry(err: &PacketError) -> NetLogEntry {
    NetLogEntry {
        kind: EntryKind::Dns,
        verdict: Verdict::Blocked,
        reason: Some(format!("dropped: {err}")),
        ..NetLogEntry::default()
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;

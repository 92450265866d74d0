use std::net::Ipv4Addr;
use std::process::Stdio;

use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};

use super::*;

const PROXY: Ipv4Addr = Ipv4Addr::new(10, 199, 0, 2);
const WAIT: Duration = Duration::from_secs(5);
/// How long to listen for a reply that must not come.
const SILENCE: Duration = Duration::from_millis(300);

/// A running responder on 127.0.0.1, its log, and the switch that stops it.
struct Running {
    addr: SocketAddr,
    entries: mpsc::Receiver<NetLogEntry>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start() -> Running {
    // Port 0 picks a free UDP port; TCP may find that number taken, so try
    // a few times rather than fail on a busy machine.
    let mut bound = None;
    for _ in 0..20 {
        match bind_dns(SocketAddr::from(([127, 0, 0, 1], 0))).await {
            Ok(sockets) => {
                bound = Some(sockets);
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => panic!("bind: {e}"),
        }
    }
    let (udp, tcp) = bound.expect("a free port pair");
    let addr = udp.local_addr().expect("local addr");
    assert_eq!(
        tcp.local_addr().expect("tcp addr"),
        addr,
        "one port for both"
    );
    let (sender, entries) = mpsc::channel(1024);
    let (stop, stopped) = oneshot::channel::<()>();
    let log = NetLog::to_channel(sender, "t1");
    let task = tokio::spawn(serve_dns(udp, tcp, PROXY, log, async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        entries,
        stop: Some(stop),
        task,
    }
}

impl Running {
    async fn entry(&mut self) -> NetLogEntry {
        match tokio::time::timeout(WAIT, self.entries.recv()).await {
            Ok(Some(entry)) => entry,
            other => panic!("no log entry: {other:?}"),
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("serve_dns returns on shutdown")
            .expect("no panic");
    }
}

fn query(name: &str, qtype: RecordType, edns: bool) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).expect("name"), qtype));
    if edns {
        m.set_edns(Edns::new());
    }
    m.to_vec().expect("encode")
}

fn decode(bytes: &[u8]) -> Message {
    Message::from_vec(bytes).expect("reply decodes")
}

fn address_of(m: &Message) -> Option<Ipv4Addr> {
    match m.answers.first().map(|r| &r.data) {
        Some(RData::A(a)) => Some(a.0),
        _ => None,
    }
}

/// The reply to `query`, or `None` if none came within `wait`.
async fn udp_exchange(server: SocketAddr, query: &[u8], wait: Duration) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("client socket");
    socket.send_to(query, server).await.expect("send");
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(wait, socket.recv(&mut buf)).await {
        Ok(Ok(n)) => Some(buf[..n].to_vec()),
        _ => None,
    }
}

async fn tcp_send(stream: &mut TcpStream, query: &[u8]) {
    let len = u16::try_from(query.len()).expect("short").to_be_bytes();
    stream.write_all(&len).await.expect("write len");
    stream.write_all(query).await.expect("write query");
}

async fn tcp_recv(stream: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 2];
    tokio::time::timeout(WAIT, stream.read_exact(&mut len))
        .await
        .expect("reply in time")
        .expect("length");
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut body).await.expect("body");
    body
}

#[tokio::test]
async fn udp_answers_a_and_aaaa_and_logs_each() {
    let mut dns = start().await;
    let reply = udp_exchange(dns.addr, &query("Example.COM.", RecordType::A, false), WAIT).await;
    let m = decode(&reply.expect("A answered"));
    assert_eq!(address_of(&m), Some(PROXY));
    let entry = dns.entry().await;
    assert_eq!(entry.kind, EntryKind::Dns);
    assert_eq!(entry.verdict, Verdict::Allowed);
    assert_eq!(entry.task_id, "t1");
    assert_eq!(entry.method.as_deref(), Some("A"));
    assert_eq!(entry.url.as_deref(), Some("example.com"));
    assert_eq!(entry.answer.as_deref(), Some("10.199.0.2"));
    assert_eq!(entry.reason.as_deref(), Some("answered with proxy address"));

    let reply = udp_exchange(
        dns.addr,
        &query("example.com.", RecordType::AAAA, true),
        WAIT,
    )
    .await;
    let m = decode(&reply.expect("AAAA answered"));
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.answers.is_empty());
    assert!(m.edns.is_some());
    let entry = dns.entry().await;
    assert_eq!(entry.verdict, Verdict::Allowed);
    assert_eq!(entry.method.as_deref(), Some("AAAA"));
    assert_eq!(entry.answer.as_deref(), Some("NODATA"));
    assert_eq!(
        entry.reason.as_deref(),
        Some("no data (only A is answered)")
    );
    dns.stop().await;
}

#[tokio::test]
async fn udp_garbage_is_dropped_or_refused_and_logged_and_serving_goes_on() {
    let mut dns = start().await;
    assert_eq!(udp_exchange(dns.addr, b"\x01\x02\x03", SILENCE).await, None);
    let entry = dns.entry().await;
    assert_eq!(entry.verdict, Verdict::Blocked);
    assert_eq!((entry.method, entry.url, entry.answer), (None, None, None));
    assert_eq!(
        entry.reason.as_deref(),
        Some("dropped: 3 bytes, shorter than the 12-byte DNS header")
    );

    let pointer = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01";
    let m = decode(
        &udp_exchange(dns.addr, pointer, WAIT)
            .await
            .expect("FORMERR sent"),
    );
    assert_eq!(m.metadata.response_code, ResponseCode::FormErr);
    let entry = dns.entry().await;
    assert_eq!(entry.verdict, Verdict::Blocked);
    assert_eq!(entry.answer.as_deref(), Some("FORMERR"));
    assert_eq!(
        entry.reason.as_deref(),
        Some("malformed query: a compression pointer in the question")
    );

    let forged =
        b"\x00\x09\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0ex\nBLOCKED evil\x00\x00\x01\x00\x01";
    let m = decode(
        &udp_exchange(dns.addr, forged, WAIT)
            .await
            .expect("answered"),
    );
    assert_eq!(address_of(&m), Some(PROXY));
    let entry = dns.entry().await;
    assert_eq!(entry.url.as_deref(), Some("x\\010blocked\\032evil"));
    dns.stop().await;
}

#[test]
fn refusals_are_logged_blocked_with_the_rcode_as_answer() {
    let mut status = query("a.example.", RecordType::A, false);
    status[2] |= 2 << 3;
    let mut v1 = query("b.example.", RecordType::A, true);
    let at = v1.len() - 5; // the OPT's version byte
    v1[at] = 1;
    let rows = [
        (status, None, "NOTIMP", "opcode 2 not implemented"),
        (
            v1,
            Some("b.example"),
            "BADVERS",
            "EDNS version 1 not supported",
        ),
    ];
    for (q, url, answer, reason) in rows {
        let response = packet::respond(&q, PROXY).expect("a reply");
        let entry = answered_entry(&response);
        assert_eq!(entry.kind, EntryKind::Dns);
        assert_eq!(entry.verdict, Verdict::Blocked);
        assert_eq!(entry.url.as_deref(), url);
        assert_eq!(entry.answer.as_deref(), Some(answer));
        assert_eq!(entry.reason.as_deref(), Some(reason));
    }
}

#[tokio::test]
async fn tcp_serves_several_queries_per_connection_even_split_across_writes() {
    let mut dns = start().await;
    let mut stream = TcpStream::connect(dns.addr).await.expect("connect");
    tcp_send(&mut stream, &query("a.example.", RecordType::A, true)).await;
    tcp_send(&mut stream, &query("b.example.", RecordType::HTTPS, false)).await;
    let first = decode(&tcp_recv(&mut stream).await);
    assert_eq!(address_of(&first), Some(PROXY));
    let second = decode(&tcp_recv(&mut stream).await);
    assert_eq!(second.metadata.response_code, ResponseCode::NoError);
    assert!(second.answers.is_empty());

    // One query dribbled out byte by byte.
    let q = query("c.example.", RecordType::A, false);
    let mut framed = u16::try_from(q.len())
        .expect("short")
        .to_be_bytes()
        .to_vec();
    framed.extend_from_slice(&q);
    for byte in framed {
        stream.write_all(&[byte]).await.expect("write");
        stream.flush().await.expect("flush");
    }
    assert_eq!(
        address_of(&decode(&tcp_recv(&mut stream).await)),
        Some(PROXY)
    );

    let urls: Vec<_> = [dns.entry().await, dns.entry().await, dns.entry().await]
        .into_iter()
        .map(|e| (e.method.unwrap_or_default(), e.url.unwrap_or_default()))
        .collect();
    assert_eq!(
        urls,
        [
            ("A".to_string(), "a.example".to_string()),
            ("HTTPS".to_string(), "b.example".to_string()),
            ("A".to_string(), "c.example".to_string()),
        ]
    );
    dns.stop().await;
}

#[tokio::test]
async fn tcp_closes_on_a_packet_that_earns_no_reply() {
    let mut dns = start().await;
    let mut stream = TcpStream::connect(dns.addr).await.expect("connect");
    tcp_send(&mut stream, &[]).await;
    let mut rest = Vec::new();
    let read = tokio::time::timeout(WAIT, stream.read_to_end(&mut rest)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "closed: {read:?}");
    assert_eq!(dns.entry().await.verdict, Verdict::Blocked);
    dns.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let (server, mut client) = tokio::io::duplex(1024);
    let (sender, _entries) = mpsc::channel(16);
    let log = NetLog::to_channel(sender, "t1");
    let served = tokio::spawn(async move {
        serve_connection(server, PROXY, &log, Duration::from_millis(100)).await;
    });
    // Half a length prefix, then silence.
    client.write_all(&[0]).await.expect("write");
    tokio::time::timeout(WAIT, served)
        .await
        .expect("closed by the idle timeout")
        .expect("no panic");
}

#[tokio::test]
async fn tcp_connections_beyond_the_limit_wait_their_turn() {
    let (udp, tcp) = bind_dns(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    drop(udp);
    let addr = tcp.local_addr().expect("addr");
    let (sender, _entries) = mpsc::channel(64);
    let log = NetLog::to_channel(sender, "t1");
    let limits = TcpLimits {
        max_connections: 1,
        idle_timeout: WAIT,
    };
    let server = tokio::spawn(async move { serve_tcp(tcp, PROXY, &log, limits).await });

    let q = query("a.example.", RecordType::A, false);
    let mut first = TcpStream::connect(addr).await.expect("connect");
    tcp_send(&mut first, &q).await;
    tcp_recv(&mut first).await;
    let mut second = TcpStream::connect(addr).await.expect("connect (backlog)");
    tcp_send(&mut second, &q).await;
    let mut len = [0u8; 2];
    let early = tokio::time::timeout(SILENCE, second.read_exact(&mut len)).await;
    assert!(early.is_err(), "the second connection waits for a permit");
    drop(first);
    assert_eq!(
        address_of(&decode(&tcp_recv(&mut second).await)),
        Some(PROXY)
    );
    server.abort();
}

#[tokio::test]
async fn shutdown_releases_the_port() {
    let dns = start().await;
    let addr = dns.addr;
    dns.stop().await;
    let (udp, tcp) = bind_dns(addr).await.expect("port free again");
    drop((udp, tcp));
}

#[tokio::test]
async fn bind_failures_name_the_transport_and_address() {
    let taken = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = taken.local_addr().expect("addr");
    let err = bind_dns(addr).await.expect_err("port taken");
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    assert!(
        err.to_string()
            .starts_with(&format!("DNS over UDP: cannot bind {addr}: ")),
        "{err}"
    );
}

/// The real client, when installed: `dig` over UDP and TCP.
#[tokio::test]
async fn dig_resolves_a_and_gets_nodata_for_aaaa_over_udp_and_tcp() {
    if std::process::Command::new("dig")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        eprintln!("dig not installed; skipped");
        return;
    }
    let mut dns = start().await;
    let port = dns.addr.port().to_string();
    for transport in ["+notcp", "+tcp"] {
        for (qtype, expected) in [("A", "10.199.0.2"), ("AAAA", "")] {
            let out = tokio::process::Command::new("dig")
                .args(["@127.0.0.1", "-p", &port, "some.host.example", qtype])
                .args([transport, "+short", "+tries=1", "+time=2"])
                .output()
                .await
                .expect("dig runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "dig {qtype} {transport}: {stdout}");
            assert_eq!(stdout.trim(), expected, "dig {qtype} {transport}");
            let entry = dns.entry().await;
            assert_eq!(entry.method.as_deref(), Some(qtype));
            assert_eq!(entry.url.as_deref(), Some("some.host.example"));
        }
    }
    dns.stop().await;
}

//! The load generator: N connections (one tokio task each) doing HTTP/1.1
//! GETs over TLS with SNI `bench.test`, either on one kept-alive
//! connection or on a new TCP + TLS connection per request, recording each
//! request's latency; plus the CPU and memory figures of the process
//! behind the endpoint, read from /proc.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

use crate::procs::{ProcStats, machine_busy, self_stats};
use crate::{BODY, HOST};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// No single request (connect, handshake, response) may take longer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A bound on the work one connection does in one scenario, whatever the
/// duration asked for.
const MAX_REQUESTS_PER_CONNECTION: usize = 5_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    KeepAlive,
    NewConnection,
}

/// Where the load goes: an address, and the client TLS config that trusts
/// whoever answers there.
pub struct Endpoint {
    pub addr: SocketAddr,
    tls: TlsConnector,
}

impl Endpoint {
    /// `ca_pem`: the one root the client trusts. Offers ALPN `http/1.1`
    /// only. TLS session resumption is off, so that a new connection is a
    /// full handshake, as for a new process (curl, git, pip).
    pub fn new(addr: SocketAddr, ca_pem: &str) -> Result<Endpoint, BoxError> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert?)?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config.resumption = rustls::client::Resumption::disabled();
        Ok(Endpoint {
            addr,
            tls: TlsConnector::from(Arc::new(config)),
        })
    }

    async fn connect(&self) -> Result<Conn, BoxError> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self.tls.connect(ServerName::try_from(HOST)?, tcp).await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn { sender, task })
    }

    /// One request on a fresh connection, for a check before the load.
    pub async fn probe(&self) -> Result<(), BoxError> {
        let mut conn = tokio::time::timeout(REQUEST_TIMEOUT, self.connect()).await??;
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, conn.request()).await;
        conn.close().await;
        answer?
    }
}

struct Conn {
    sender: SendRequest<Empty<Bytes>>,
    task: JoinHandle<()>,
}

impl Conn {
    /// GET, and the whole body; anything but 200 with [`BODY`] is an error
    /// (a 403 or 502 from a proxy must not count as a request served).
    async fn request(&mut self) -> Result<(), BoxError> {
        self.sender.ready().await?;
        let request = Request::get("/bench")
            .header(http::header::HOST, HOST)
            .body(Empty::new())?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK || body.as_ref() != BODY {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(format!("status {status}, body {text:?}").into());
        }
        Ok(())
    }

    /// Drops the connection at once (after an error).
    fn abort(self) {
        self.task.abort();
    }

    /// Closes politely (close_notify, FIN) and waits for that, briefly.
    async fn close(self) {
        drop(self.sender);
        let _ = tokio::time::timeout(Duration::from_secs(1), self.task).await;
    }
}

#[derive(Default)]
struct ConnResult {
    /// (completed at, latency)
    samples: Vec<(Instant, Duration)>,
    errors: u64,
    first_error: Option<String>,
}

async fn drive(endpoint: Arc<Endpoint>, mode: Mode, end: Instant) -> ConnResult {
    let mut out = ConnResult::default();
    let mut conn: Option<Conn> = None;
    while Instant::now() < end && out.samples.len() < MAX_REQUESTS_PER_CONNECTION {
        let started = Instant::now();
        let attempt = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let current = match conn.as_mut() {
                Some(current) => current,
                None => conn.insert(endpoint.connect().await?),
            };
            current.request().await
        })
        .await;
        match attempt {
            Ok(Ok(())) => {
                let done = Instant::now();
                out.samples.push((done, done - started));
                if mode == Mode::NewConnection
                    && let Some(finished) = conn.take()
                {
                    finished.close().await;
                }
            }
            failed => {
                out.errors += 1;
                if out.first_error.is_none() {
                    out.first_error = Some(match failed {
                        Ok(Err(err)) => err.to_string(),
                        _ => format!("no answer within {REQUEST_TIMEOUT:?}"),
                    });
                }
                if let Some(broken) = conn.take() {
                    broken.abort();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    if let Some(open) = conn {
        open.close().await;
    }
    out
}

/// What one scenario against one endpoint gave.
pub struct Outcome {
    /// Requests completed inside the measured window.
    pub requests: u64,
    /// All requests completed, warm-up included (to compare with the
    /// proxy's network log).
    pub requests_total: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// The process behind the endpoint (none for direct): CPU over the
    /// window, memory at its end.
    pub server: Option<ProcStats>,
    /// This process (load generator + upstream) over the window.
    pub bench: Option<ProcStats>,
    /// The share of the machine's cores busy with anything but the proxy
    /// and this process during the window (other people's builds): when it
    /// is high, the figures are not the proxy's alone.
    pub others: Option<f64>,
}

pub struct Load {
    pub mode: Mode,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// Runs `load` against `endpoint`; `server_pid` is sampled at the start
/// and the end of the measured window.
pub async fn run(endpoint: &Arc<Endpoint>, load: &Load, server_pid: Option<u32>) -> Outcome {
    let start = Instant::now();
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let tasks: Vec<_> = (0..load.connections)
        .map(|_| tokio::spawn(drive(Arc::clone(endpoint), load.mode, end)))
        .collect();

    tokio::time::sleep_until(measure_from.into()).await;
    let server_before = server_pid.and_then(ProcStats::read);
    let bench_before = self_stats();
    let busy_before = machine_busy();
    let window_start = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let server_after = server_pid.and_then(ProcStats::read);
    let bench_after = self_stats();
    let busy_after = machine_busy();
    let window_end = Instant::now();

    let deadline = tokio::time::Instant::from(end + REQUEST_TIMEOUT + Duration::from_secs(5));
    let mut latencies = Vec::new();
    let mut requests_total = 0;
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let abort = task.abort_handle();
        let Ok(Ok(result)) = tokio::time::timeout_at(deadline, task).await else {
            abort.abort();
            errors += 1;
            first_error.get_or_insert_with(|| "a connection task did not finish".to_string());
            continue;
        };
        requests_total += result.samples.len() as u64;
        errors += result.errors;
        if first_error.is_none() {
            first_error = result.first_error;
        }
        latencies.extend(
            result
                .samples
                .iter()
                .filter(|(done, _)| *done >= window_start && *done <= window_end)
                .map(|(_, latency)| *latency),
        );
    }
    latencies.sort_unstable();
    let requests = latencies.len() as u64;
    let window = (window_end - window_start).as_secs_f64();
    let server = match (server_before, server_after) {
        (Some(before), Some(after)) => Some(after.since(&before)),
        _ => None,
    };
    let bench = match (bench_before, bench_after) {
        (Some(before), Some(after)) => Some(after.since(&before)),
        _ => None,
    };
    let others = match (busy_before, busy_after, bench) {
        (Some(before), Some(after), Some(bench)) => {
            let ours = bench.cpu + server.map(|s| s.cpu).unwrap_or_default();
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
            let others = (after.saturating_sub(before)).saturating_sub(ours);
            Some(others.as_secs_f64() / (window * cores))
        }
        _ => None,
    };
    Outcome {
        requests,
        requests_total,
        errors,
        first_error,
        per_second: requests as f64 / window,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        server,
        bench,
        others,
    }
}

/// Nearest rank on sorted samples.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

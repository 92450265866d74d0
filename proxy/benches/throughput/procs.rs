//! The proxies under test as separate processes — `airut proxy` (the
//! release binary, given a `ProxyConfig` on stdin) and `mitmdump` — and
//! their CPU time and memory, read from /proc.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use airut_proxy::ca::generate_ca;
use airut_proxy::config::{ListenConfig, ProxyConfig, READY_LINE};
use airut_proxy::policy::Allowlist;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::HOST;

/// CPU time and memory of one process: a reading, or the difference of two
/// (then `cpu` is the time spent between them, memory the later reading).
#[derive(Debug, Clone, Copy)]
pub struct ProcStats {
    pub cpu: Duration,
    /// The kernel's part of `cpu`.
    pub sys: Duration,
    /// Context switches, voluntary and not, summed over the threads alive
    /// at the reading.
    pub switches: u64,
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

impl ProcStats {
    pub fn read(pid: u32) -> Option<ProcStats> {
        read_stats(&format!("/proc/{pid}"))
    }

    pub fn since(&self, earlier: &ProcStats) -> ProcStats {
        ProcStats {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            sys: self.sys.saturating_sub(earlier.sys),
            switches: self.switches.saturating_sub(earlier.switches),
            ..*self
        }
    }
}

pub fn self_stats() -> Option<ProcStats> {
    read_stats("/proc/self")
}

fn read_stats(dir: &str) -> Option<ProcStats> {
    // utime and stime are fields 14 and 15; the command name (field 2) may
    // hold spaces, so count from the last ')'.
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let status = std::fs::read_to_string(format!("{dir}/status")).ok()?;
    let ticks = |n: u64| Duration::from_secs_f64(n as f64 / clock_ticks() as f64);
    let mut switches = 0;
    for task in std::fs::read_dir(format!("{dir}/task")).ok()?.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("status")) {
            switches += status_number(&text, "voluntary_ctxt_switches:").unwrap_or(0)
                + status_number(&text, "nonvoluntary_ctxt_switches:").unwrap_or(0);
        }
    }
    Some(ProcStats {
        cpu: ticks(utime + stime),
        sys: ticks(stime),
        switches,
        rss_kb: status_number(&status, "VmRSS:")?,
        hwm_kb: status_number(&status, "VmHWM:")?,
    })
}

/// The number after `key` in a /proc status file.
fn status_number(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// CPU time the whole machine spent busy (all cores, every process: not
/// idle, not waiting for I/O), from /proc/stat.
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .filter_map(|n| n.parse().ok())
        .collect();
    let [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields[..] else {
        return None;
    };
    let busy = user + nice + system + irq + softirq + steal;
    Some(Duration::from_secs_f64(busy as f64 / clock_ticks() as f64))
}

/// `getconf CLK_TCK`, the unit of /proc/<pid>/stat's times (100 on Linux
/// in practice).
fn clock_ticks() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// A free TCP port on 127.0.0.1 (free when asked: the proxy binds it a
/// moment later, and a start that loses the race is retried).
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// How long a proxy gets to start.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// `airut proxy` serving `bench.test` → the upstream.
pub struct AirutProxy {
    pub https: SocketAddr,
    pub ca_pem: String,
    pub pid: u32,
    pub log_path: PathBuf,
    child: Child,
    /// Held open: its end is the proxy's stop signal.
    stdin: Option<ChildStdin>,
}

impl AirutProxy {
    pub async fn start(
        binary: &Path,
        upstream: SocketAddr,
        upstream_ca_pem: &str,
        dir: &Path,
    ) -> Result<AirutProxy, String> {
        let ca = generate_ca("Airut proxy bench CA").map_err(|e| format!("ca: {e}"))?;
        let mut last_error = String::new();
        for attempt in 1..=5 {
            let https =
                SocketAddr::from((Ipv4Addr::LOCALHOST, free_port().map_err(|e| e.to_string())?));
            let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
            let config = ProxyConfig {
                proxy_ip: Ipv4Addr::LOCALHOST,
                task_id: "bench".into(),
                allowlist: Allowlist {
                    domains: vec![HOST.into()],
                    url_prefixes: vec![],
                },
                masked_secrets: vec![],
                upstream_hosts: BTreeMap::from([(HOST.into(), IpAddr::V4(Ipv4Addr::LOCALHOST))]),
                upstream_ports: BTreeMap::from([(HOST.into(), upstream.port())]),
                upstream_dns: None,
                ca_cert_pem: ca.cert_pem.clone(),
                ca_key_pem: ca.key_pem.clone(),
                upstream_extra_roots_pem: Some(upstream_ca_pem.to_string()),
                listen: ListenConfig {
                    http: loopback,
                    https,
                    dns: loopback,
                },
                log_path: dir.join(format!("network-{attempt}.log")),
            };
            match AirutProxy::spawn(binary, &config, dir, attempt).await {
                Ok((child, stdin)) => {
                    let pid = child.id().ok_or("airut proxy exited at once")?;
                    return Ok(AirutProxy {
                        https,
                        ca_pem: ca.cert_pem,
                        pid,
                        log_path: config.log_path,
                        child,
                        stdin: Some(stdin),
                    });
                }
                Err(err) => last_error = err,
            }
        }
        Err(last_error)
    }

    async fn spawn(
        binary: &Path,
        config: &ProxyConfig,
        dir: &Path,
        attempt: u32,
    ) -> Result<(Child, ChildStdin), String> {
        let stderr_path = dir.join(format!("airut-proxy-{attempt}.stderr"));
        let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
        let mut child = Command::new(binary)
            .arg("proxy")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let json = serde_json::to_vec(config).map_err(|e| e.to_string())?;
        stdin.write_all(&json).await.map_err(|e| e.to_string())?;
        stdin.flush().await.map_err(|e| e.to_string())?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
        if let Ok(Ok(Some(line))) = &ready
            && line == READY_LINE
        {
            // Keep draining stdout so the proxy can never block on it.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok((child, stdin));
        }
        let _ = child.kill().await;
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        Err(format!("airut proxy did not get ready: {}", stderr.trim()))
    }

    /// Closes stdin (the proxy's stop signal) and waits; kills it after 10 s.
    pub async fn stop(mut self) {
        drop(self.stdin.take());
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// `mitmdump` in reverse mode in front of the upstream.
pub struct Mitmproxy {
    pub addr: SocketAddr,
    pub ca_pem: String,
    pub pid: u32,
    child: Child,
}

impl Mitmproxy {
    /// `confdir` receives mitmproxy's CA; `upstream_ca` is a file with the
    /// upstream's CA, which mitmproxy verifies the upstream against.
    pub async fn start(
        mitmdump: &Path,
        upstream: SocketAddr,
        upstream_ca: &Path,
        dir: &Path,
    ) -> Result<Mitmproxy, String> {
        let confdir = dir.join("mitmproxy-confdir");
        std::fs::create_dir_all(&confdir).map_err(|e| e.to_string())?;
        let log_path = dir.join("mitmdump.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let port = free_port().map_err(|e| e.to_string())?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut child = Command::new(mitmdump)
            .arg("--mode")
            .arg(format!("reverse:https://127.0.0.1:{}", upstream.port()))
            .args(["--listen-host", "127.0.0.1", "--listen-port"])
            .arg(port.to_string())
            .args(["--set", "connection_strategy=lazy"])
            .args(["--set", "flow_detail=0"])
            .args(["--set", "termlog_verbosity=warn"])
            .arg("--set")
            .arg(format!("confdir={}", confdir.display()))
            .arg("--set")
            .arg(format!(
                "ssl_verify_upstream_trusted_ca={}",
                upstream_ca.display()
            ))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{}: {e}", mitmdump.display()))?;
        let pid = child.id().ok_or("mitmdump exited at once")?;
        let ca_path = confdir.join("mitmproxy-ca-cert.pem");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("mitmdump exited ({status}): {}", log.trim()));
            }
            if ca_path.exists() && tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill().await;
                return Err("mitmdump did not start listening".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let ca_pem = std::fs::read_to_string(&ca_path).map_err(|e| e.to_string())?;
        Ok(Mitmproxy {
            addr,
            ca_pem,
            pid,
            child,
        })
    }

    /// SIGTERM (to our own child, by its pid), then SIGKILL after 10 s.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

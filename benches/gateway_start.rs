//! Start-up of the real `airut run` binary: time from spawn until
//! `/api/health` says the gateway is ready, and the process's resident
//! memory after 2 s idle; a fresh state directory every run.
//!
//! Two scenarios: dashboard only (no repos; ready = `"status":"ok"`), and
//! one repo on a local upstream (ready = `"boot":"ready"`; its email
//! channel points at a closed loopback port, so the repo is live and its
//! listener keeps retrying in the background).
//!
//! `cargo bench --bench gateway_start` (after `source /run/airut-test/env`:
//! the repo scenario talks to the engine and uses its Claude Code binary);
//! `AIRUT_BENCH_RUNS` sets the number of dashboard-only runs (default 20;
//! the repo scenario runs half as many).

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "common/stats.rs"]
mod stats;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stats::{percentile, report};

/// Python Airut's figures, printed beside ours.
const TARGET_READY: &str = "<= 0.2 s (Python Airut: 0.98 s)";
const TARGET_RSS: &str = "<= 20 MB (Python Airut: 52 MB)";

struct Sample {
    ready: Duration,
    rss_kb: u64,
    hwm_kb: u64,
    stop: Duration,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One HTTP/1.0 GET; `None` while nothing listens or the answer is cut.
fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

/// `VmRSS` and `VmHWM` of `pid`, in kB.
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

fn stderr_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default()
}

/// Waits for the child to exit, killing it after `limit`.
fn stop(child: &mut Child, dir: &Path, limit: Duration) -> Duration {
    let started = Instant::now();
    signal(child.id(), "TERM");
    loop {
        match child.try_wait().expect("wait") {
            Some(status) => {
                if !status.success() {
                    eprintln!("airut run exited with {status}:\n{}", stderr_of(dir));
                }
                return started.elapsed();
            }
            None if started.elapsed() > limit => {
                eprintln!(
                    "airut run did not stop within {limit:?}; killing it:\n{}",
                    stderr_of(dir)
                );
                signal(child.id(), "KILL");
                let _ = child.wait();
                return started.elapsed();
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// One start: `config(port)` is the config file's text; `ready` judges
/// the health body.
fn run_once(config: &dyn Fn(u16) -> String, ready: &dyn Fn(&str) -> bool) -> Sample {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config_path = dir.path().join("airut.yaml");
    std::fs::write(&config_path, config(port)).expect("config");
    let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("log");
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airut"));
    cmd.arg("run")
        .arg("--config")
        .arg(&config_path)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);

    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn airut run");
    let ready_after = loop {
        if let Some((200, body)) = http_get(&addr, "/api/health")
            && ready(&body)
        {
            break started.elapsed();
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!(
                "airut run exited with {status} before ready:\n{}",
                stderr_of(dir.path())
            );
        }
        if started.elapsed() > Duration::from_secs(60) {
            let health = http_get(&addr, "/api/health");
            let took = stop(&mut child, dir.path(), Duration::from_secs(10));
            panic!(
                "not ready within 60 s (last health {health:?}; stopped in {took:?}):\n{}",
                stderr_of(dir.path())
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    std::thread::sleep(Duration::from_secs(2));
    let (rss_kb, hwm_kb) = memory_kb(child.id());
    let stopped = stop(&mut child, dir.path(), Duration::from_secs(120));
    Sample {
        ready: ready_after,
        rss_kb,
        hwm_kb,
        stop: stopped,
    }
}

fn scenario(name: &str, runs: usize, config: &dyn Fn(u16) -> String, ready: &dyn Fn(&str) -> bool) {
    // one unmeasured start first: page cache, image build, and so on
    run_once(config, ready);
    let samples: Vec<Sample> = (0..runs).map(|_| run_once(config, ready)).collect();
    let ready_times: Vec<Duration> = samples.iter().map(|s| s.ready).collect();
    let stop_times: Vec<Duration> = samples.iter().map(|s| s.stop).collect();
    // percentile() works on durations; kB as microseconds keeps the order
    let rss: Vec<Duration> = samples
        .iter()
        .map(|s| Duration::from_micros(s.rss_kb))
        .collect();
    let rss_p50 = percentile(&rss, 50.0).as_micros() as f64 / 1024.0;
    let rss_max = samples.iter().map(|s| s.rss_kb).max().unwrap_or(0) as f64 / 1024.0;
    let hwm_max = samples.iter().map(|s| s.hwm_kb).max().unwrap_or(0) as f64 / 1024.0;
    println!("{name} ({runs} runs after one warm-up)");
    report("  spawn -> /api/health ready", &ready_times);
    println!("  {:<42} target {TARGET_READY}", "");
    println!(
        "  {:<42} p50={rss_p50:.1} MB  max={rss_max:.1} MB  target {TARGET_RSS}",
        "idle RSS (VmRSS, 2 s after ready)"
    );
    println!("  {:<42} max={hwm_max:.1} MB", "peak RSS (VmHWM)");
    report("  SIGTERM -> exit", &stop_times);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; there is none
    }
    let runs: usize = std::env::var("AIRUT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);

    scenario(
        "airut run, dashboard only (no repos)",
        runs,
        &|port| format!("config_version: 5\ndashboard:\n  host: 127.0.0.1\n  port: {port}\n"),
        &|body| body.contains("\"status\":\"ok\""),
    );

    let upstream_dir = tempfile::tempdir().expect("tempdir");
    let url = support::gateway_fixture::upstream(upstream_dir.path());
    let claude = support::claude_binary();
    let repo_yaml = support::gateway_fixture::config_yaml(&[("alpha", &url)], 4, 30);
    scenario(
        "airut run, one repo (email listener on a closed loopback port)",
        runs.div_ceil(2),
        &|port| {
            let yaml = repo_yaml.replace(
                "dashboard:\n  enabled: false\n",
                &format!("dashboard:\n  host: 127.0.0.1\n  port: {port}\n"),
            );
            // the email channel must only ever reach loopback: a port
            // nothing listens on
            let mail_port = free_port();
            let yaml = yaml
                .replace(
                    "server: imap.example.com\n",
                    &format!("server: 127.0.0.1\n        port: {mail_port}\n"),
                )
                .replace(
                    "server: smtp.example.com\n",
                    &format!("server: 127.0.0.1\n        port: {mail_port}\n"),
                );
            assert!(yaml.contains(&format!("port: {port}")), "{yaml}");
            assert!(!yaml.contains("server: imap.example.com"), "{yaml}");
            assert!(!yaml.contains("server: smtp.example.com"), "{yaml}");
            format!("claude_binary: {}\n{yaml}", claude.display())
        },
        &|body| body.contains("\"boot\":\"ready\""),
    );
}

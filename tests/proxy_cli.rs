//! `airut proxy` as the gateway runs it: config on stdin, ready line on
//! stdout, stop on SIGTERM or when stdin closes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use airut_proxy::ca::generate_ca;
use airut_proxy::config::{ListenConfig, ProxyConfig, READY_LINE};
use airut_proxy::policy::Allowlist;

/// A port free right now (the proxy binds it a moment later).
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("addr")
}

fn config(dir: &std::path::Path) -> ProxyConfig {
    let ca = generate_ca("proxy cli test").expect("ca");
    ProxyConfig {
        proxy_ip: Ipv4Addr::LOCALHOST,
        task_id: "cli-task".into(),
        allowlist: Allowlist::default(),
        masked_secrets: vec![],
        upstream_hosts: Default::default(),
        upstream_ports: Default::default(),
        upstream_dns: None,
        ca_cert_pem: ca.cert_pem,
        ca_key_pem: ca.key_pem,
        upstream_extra_roots_pem: None,
        listen: ListenConfig {
            http: free_port(),
            https: free_port(),
            dns: free_port(),
        },
        log_path: dir.join("network.log"),
    }
}

struct Proxy {
    child: Child,
    stdin: Option<ChildStdin>,
}

/// Starts `airut proxy`, writes `config` (keeping stdin open) and waits for
/// the ready line.
fn start(config: &ProxyConfig) -> Proxy {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airut"))
        .arg("proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut payload = serde_json::to_vec(config).expect("json");
    payload.push(b'\n');
    stdin.write_all(&payload).expect("write config");
    stdin.flush().expect("flush");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("ready line");
    assert_eq!(line, READY_LINE);
    Proxy {
        child,
        stdin: Some(stdin),
    }
}

fn wait_exit(child: &mut Child) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        assert!(Instant::now() < deadline, "proxy did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_until_stdin_closes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path());
    let mut proxy = start(&config);

    let mut tcp = TcpStream::connect(config.listen.http).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    tcp.write_all(b"GET /x HTTP/1.1\r\nHost: blocked.test\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("blocked_by_network_allowlist"), "{answer}");

    drop(proxy.stdin.take());
    assert_eq!(wait_exit(&mut proxy.child), 0);
    let log = std::fs::read_to_string(&config.log_path).expect("log");
    assert!(
        log.lines()
            .next()
            .unwrap_or_default()
            .contains("\"kind\":\"task_start\""),
        "{log}"
    );
    assert!(log.contains("\"verdict\":\"blocked\""), "{log}");
    assert!(log.contains("http://blocked.test/x"), "{log}");
}

#[test]
fn sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut proxy = start(&config(dir.path()));
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(proxy.child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    assert_eq!(wait_exit(&mut proxy.child), 0);
}

#[test]
fn bad_config_or_taken_port_exits_1() {
    let output = Command::new(env!("CARGO_BIN_EXE_airut"))
        .arg("proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(b"{\"proxy_ip\": 5}")?;
            }
            child.wait_with_output()
        })
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("config on stdin"));

    let dir = tempfile::tempdir().expect("tempdir");
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let mut config = config(dir.path());
    config.listen.https = taken.local_addr().expect("addr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_airut"))
        .arg("proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(&serde_json::to_vec(&config).expect("json"))
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    drop(stdin);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(READY_LINE));
}

//! The `airut` binary as a user runs it: init, check and run, each in a
//! private HOME so nothing on the machine is read or written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn config_path(&self) -> PathBuf {
        self.path().join("config/airut/airut.yaml")
    }

    fn write_config(&self, text: &str) -> PathBuf {
        let path = self.path().join("airut.yaml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    fn airut(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_airut"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_STATE_HOME", self.path().join("state"))
            .current_dir(self.path())
            .stdin(Stdio::null());
        cmd
    }

    fn output(&self, args: &[&str]) -> Output {
        self.airut().args(args).output().expect("run airut")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_and_help() {
    let home = Home::new();
    let out = home.output(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("airut {}", env!("CARGO_PKG_VERSION"))
    );
    let out = home.output(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["init", "check", "run"] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
}

#[test]
fn unknown_command_is_a_usage_error() {
    let out = Home::new().output(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_writes_a_private_starter_config_once() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let out = home.output(&["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = home.config_path();
    assert_eq!(text(&out.stdout).trim(), path.display().to_string());
    let written = std::fs::read_to_string(&path).expect("config written");
    assert!(written.contains("config_version: 5"));
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the config holds secrets");

    std::fs::write(&path, "# mine\n").expect("edit");
    let again = home.output(&["init"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "# mine\n",
        "never overwritten"
    );
}

#[test]
fn init_honours_config_flag() {
    let home = Home::new();
    let target = home.path().join("elsewhere/my.yaml");
    let out = home.output(&["init", "--config", target.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(target.exists());
    assert!(!home.config_path().exists());
}

#[test]
fn check_reports_every_config_error_with_its_line() {
    let home = Home::new();
    let config = home.write_config(
        "config_version: 5\n\
         dashboard:\n  port: 5201\n  colour: blue\n\
         execution:\n  max_concurrent: nope\n",
    );
    let out = home.output(&["check", "--config", config.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("FAIL  config"), "{stdout}");
    assert!(stdout.contains("dashboard.colour (line 4)"), "{stdout}");
    assert!(
        stdout.contains("execution.max_concurrent (line 6)"),
        "{stdout}"
    );
}

#[test]
fn check_fails_with_a_hint_when_the_engine_socket_is_missing() {
    let home = Home::new();
    let out = home
        .airut()
        .arg("check")
        .env(
            "DOCKER_HOST",
            format!("unix://{}/absent.sock", home.path().display()),
        )
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let engine_line = stdout
        .lines()
        .find(|l| l.contains("engine"))
        .unwrap_or_else(|| panic!("no engine line:\n{stdout}"));
    assert!(engine_line.starts_with("FAIL"), "{stdout}");
    assert!(
        stdout.contains("DOCKER_HOST"),
        "names where the socket came from:\n{stdout}"
    );
    assert!(stdout.contains("hint: "), "{stdout}");
}

/// Needs the prepared machine: scripts/test-env starts Podman's API socket
/// and writes DOCKER_HOST into /run/airut-test/env.
#[test]
fn check_passes_on_the_prepared_machine_and_names_the_engine() {
    let docker_host = std::env::var("DOCKER_HOST")
        .expect("DOCKER_HOST unset: run `bash scripts/test-env` and `source /run/airut-test/env`");
    let home = Home::new();
    let out = home
        .airut()
        .arg("check")
        .env("DOCKER_HOST", &docker_host)
        .env(
            "CONTAINERS_CONF",
            std::env::var("CONTAINERS_CONF").unwrap_or_default(),
        )
        .output()
        .expect("run");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let engine_line = stdout
        .lines()
        .find(|l| l.contains("engine"))
        .expect("engine line");
    assert!(engine_line.starts_with("ok"), "{stdout}");
    assert!(engine_line.contains("Podman"), "{stdout}");
    assert!(stdout.contains("defaults will be used"), "{stdout}");
}

/// A running `airut run` whose stderr is collected on a thread.
struct Gateway {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Gateway {
    fn start(mut cmd: Command) -> Gateway {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn airut run");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Gateway {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most 30 s) for a stderr line containing `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!("no line with {needle:?}; saw:\n{}", self.seen.join("\n"));
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the exit; kills and fails if it does not come.
    fn exit_within(&mut self, limit: Duration) -> (std::process::ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (status, start.elapsed());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("airut run did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn rest_of_stderr(&mut self) -> String {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now (the OS picks it, then it is freed).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the dashboard");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// The acceptance test of the embedded default: no config file at all,
/// answers on 127.0.0.1:5200, exits 0 on SIGTERM within 2 s.
#[test]
fn run_without_config_serves_the_default_port_and_stops_on_sigterm() {
    let home = Home::new();
    let mut cmd = home.airut();
    cmd.arg("run");
    let mut gateway = Gateway::start(cmd);
    gateway.wait_for("dashboard listening on http://127.0.0.1:5200");
    gateway.wait_for("gateway ready");
    let (status, body) = http_get("127.0.0.1:5200", "/api/health");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    let (status, body) = http_get("127.0.0.1:5200", "/api/version");
    assert_eq!(status, 200);
    assert!(body.contains(env!("CARGO_PKG_VERSION")), "{body}");
    let (status, _) = http_get("127.0.0.1:5200", "/");
    assert_eq!(status, 200);

    gateway.signal("TERM");
    let (status, took) = gateway.exit_within(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{}", gateway.rest_of_stderr());
    assert!(took < Duration::from_secs(2), "took {took:?} to stop");
    assert!(
        home.path().join("state/airut/store").is_dir(),
        "state store created under XDG_STATE_HOME"
    );
}

#[test]
fn run_stops_on_sigint_and_logs_json_on_request() {
    let home = Home::new();
    let config = home.write_config(&format!(
        "config_version: 5\ndashboard:\n  port: {}\n",
        free_port()
    ));
    let mut cmd = home.airut();
    cmd.args([
        "run",
        "--log-format",
        "json",
        "--config",
        config.to_str().expect("utf8"),
    ]);
    let mut gateway = Gateway::start(cmd);
    let line = gateway.wait_for("gateway ready");
    let parsed: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(parsed["level"], "INFO");
    gateway.signal("INT");
    let (status, _) = gateway.exit_within(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn run_refuses_an_invalid_config_naming_key_and_line_without_leaking_secrets() {
    let home = Home::new();
    let secret = "hunter2-very-secret-password";
    let config = home.write_config(&format!(
        "config_version: 5\n\
         repos:\n\
         \x20 demo:\n\
         \x20   repo_url: https://example.com/demo.git\n\
         \x20   email:\n\
         \x20     account: {{username: bot, from: bot@example.com, password: {secret}}}\n\
         \x20     imap: {{server: imap.example.com, port: 0}}\n\
         \x20     smtp: {{server: smtp.example.com}}\n\
         \x20     auth: {{authorized_senders: [me@example.com], trusted_authserv_id: example.com}}\n"
    ));
    let out = home.output(&["run", "--config", config.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("repos.demo.email.imap.port (line 7): expected 1..65535, got 0"),
        "{stderr}"
    );
    assert!(!stderr.contains(secret), "secret leaked:\n{stderr}");
}

#[test]
fn run_with_explicit_missing_config_is_an_error() {
    let home = Home::new();
    let out = home.output(&["run", "--config", "/nonexistent/airut.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/airut.yaml"));
}

#[test]
fn run_reports_a_taken_port_and_exits_1() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let home = Home::new();
    let config = home.write_config(&format!("config_version: 5\ndashboard:\n  port: {port}\n"));
    let out = home.output(&["run", "--config", config.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("dashboard.port"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn logs_have_no_colour_codes_when_not_on_a_terminal() {
    let home = Home::new();
    let config = home.write_config(&format!(
        "config_version: 5\ndashboard:\n  port: {}\n",
        free_port()
    ));
    let mut cmd = home.airut();
    cmd.args(["run", "--config", config.to_str().expect("utf8")]);
    let mut gateway = Gateway::start(cmd);
    let line = gateway.wait_for("gateway ready");
    assert!(
        !line.contains('\u{1b}'),
        "ANSI escape in a piped log line: {line:?}"
    );
    gateway.signal("TERM");
    let (status, _) = gateway.exit_within(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0));
}

/// `airut status` asks the running gateway over its local API; with none
/// running it says so and exits 1.
#[test]
fn status_reports_the_running_gateway() {
    let home = Home::new();
    let port = free_port();
    let config = home.write_config(&format!("config_version: 5\ndashboard:\n  port: {port}\n"));
    let config = config.to_str().expect("utf8");
    let down = home.output(&["status", "--config", config]);
    assert_eq!(down.status.code(), Some(1), "{}", text(&down.stderr));
    assert!(
        text(&down.stderr).contains("no gateway answers"),
        "{}",
        text(&down.stderr)
    );

    let mut cmd = home.airut();
    cmd.args(["run", "--config", config]);
    let mut gateway = Gateway::start(cmd);
    gateway.wait_for("gateway ready");
    let human = home.output(&["status", "--config", config]);
    assert_eq!(human.status.code(), Some(0), "{}", text(&human.stderr));
    let out = text(&human.stdout);
    assert!(out.contains("boot: ready"), "{out}");
    assert!(out.contains("repos: none configured"), "{out}");
    let json = home.output(&["status", "--json", "--config", config]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let state: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(state["boot"], "ready");
    gateway.signal("TERM");
    let (status, _) = gateway.exit_within(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0));
}

//! Runs the real Claude Code CLI (`AIRUT_TEST_CLAUDE`) headless against a
//! model server and collects what it prints.
//!
//! The child gets a cleared environment: `PATH`, a private `HOME` and
//! `CLAUDE_CONFIG_DIR`, the model server's URL, a dummy API key and the
//! switches that keep Claude Code off the network ([`test_env`]). Nothing of
//! the developer's own Claude setup leaks in.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// What to do when the test environment is missing.
pub const SETUP_HINT: &str = "run scripts/test-env and source /run/airut-test/env";

/// The model the tests ask for. Claude Code sends it unchanged; its aliases
/// (`sonnet`, `opus`, `haiku`) resolve to other ids (see
/// `spec/model-server.md`).
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

/// The API key Claude Code sends; the model server ignores it.
pub const TEST_API_KEY: &str = "test-key";

/// The Claude Code binary named by `AIRUT_TEST_CLAUDE`.
///
/// # Panics
/// When the variable is unset or names no file: the test environment is not
/// set up, and the test must not pass by skipping.
pub fn claude_binary() -> PathBuf {
    let Some(path) = std::env::var_os("AIRUT_TEST_CLAUDE") else {
        panic!("AIRUT_TEST_CLAUDE is not set: {SETUP_HINT}");
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "AIRUT_TEST_CLAUDE={} is not a file: {SETUP_HINT}",
        path.display()
    );
    path
}

/// The environment every test gives Claude Code, on the host or in a
/// container: the model server only, no telemetry, no updater, no error
/// reporting, root allowed to skip permissions (`IS_SANDBOX=1`).
pub fn test_env(base_url: &str, home: &str, config_dir: &str) -> Vec<(String, String)> {
    [
        ("HOME", home),
        ("CLAUDE_CONFIG_DIR", config_dir),
        ("ANTHROPIC_BASE_URL", base_url),
        ("ANTHROPIC_API_KEY", TEST_API_KEY),
        ("IS_SANDBOX", "1"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("DISABLE_TELEMETRY", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("DISABLE_ERROR_REPORTING", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The arguments of a headless run: prompt on stdin, stream-json out.
pub fn headless_args(model: &str) -> Vec<String> {
    [
        "-p",
        "-",
        "--model",
        model,
        "--dangerously-skip-permissions",
        "--output-format",
        "stream-json",
        "--verbose",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// One invocation of Claude Code, built step by step.
#[derive(Debug, Clone)]
pub struct ClaudeRun {
    binary: PathBuf,
    base_url: String,
    home: PathBuf,
    cwd: PathBuf,
    prompt: String,
    model: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    removed_env: Vec<String>,
    timeout: Duration,
}

impl ClaudeRun {
    /// A run of [`claude_binary`] against `base_url`, with `home` as `HOME`
    /// (and `home/.claude` as `CLAUDE_CONFIG_DIR`) in directory `cwd`.
    pub fn new(base_url: impl Into<String>, home: &Path, cwd: &Path) -> ClaudeRun {
        ClaudeRun {
            binary: claude_binary(),
            base_url: base_url.into(),
            home: home.to_path_buf(),
            cwd: cwd.to_path_buf(),
            prompt: String::new(),
            model: DEFAULT_MODEL.to_string(),
            args: Vec::new(),
            env: Vec::new(),
            removed_env: Vec::new(),
            timeout: Duration::from_secs(120),
        }
    }

    /// The prompt, written to stdin.
    pub fn prompt(mut self, prompt: impl Into<String>) -> ClaudeRun {
        self.prompt = prompt.into();
        self
    }

    /// `--model` (default [`DEFAULT_MODEL`]).
    pub fn model(mut self, model: impl Into<String>) -> ClaudeRun {
        self.model = model.into();
        self
    }

    /// `--resume SESSION_ID`.
    pub fn resume(self, session_id: &str) -> ClaudeRun {
        self.arg("--resume").arg(session_id)
    }

    /// An extra argument.
    pub fn arg(mut self, arg: impl Into<String>) -> ClaudeRun {
        self.args.push(arg.into());
        self
    }

    /// An extra environment variable (for example `CLAUDE_CODE_MAX_RETRIES`).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> ClaudeRun {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Leaves a variable of [`test_env`] unset (for example
    /// `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC`, to see the traffic it
    /// suppresses).
    pub fn without_env(mut self, name: impl Into<String>) -> ClaudeRun {
        self.removed_env.push(name.into());
        self
    }

    /// How long to wait before killing it (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> ClaudeRun {
        self.timeout = timeout;
        self
    }

    /// `CLAUDE_CONFIG_DIR` of this run.
    pub fn config_dir(&self) -> PathBuf {
        self.home.join(".claude")
    }

    /// The arguments after the binary.
    pub fn args(&self) -> Vec<String> {
        let mut args = headless_args(&self.model);
        args.extend(self.args.iter().cloned());
        args
    }

    /// The extra environment variables set with [`ClaudeRun::env`].
    pub fn extra_env(&self) -> &[(String, String)] {
        &self.env
    }

    /// Runs it to the end (or the timeout).
    ///
    /// # Panics
    /// When the binary cannot be started.
    pub fn run(&self) -> ClaudeOutput {
        let config_dir = self.config_dir();
        let mut command = Command::new(&self.binary);
        command
            .args(self.args())
            .current_dir(&self.cwd)
            .env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
            )
            .envs(
                test_env(
                    &self.base_url,
                    &self.home.to_string_lossy(),
                    &config_dir.to_string_lossy(),
                )
                .into_iter()
                .filter(|(name, _)| !self.removed_env.contains(name)),
            )
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        run_with_prompt(command, &self.prompt, self.timeout)
    }
}

/// Runs `command` (Claude Code, directly or through `podman run -i`) with
/// `prompt` on stdin, collecting stdout and stderr, and kills it after
/// `timeout`.
///
/// # Panics
/// When the command cannot be started.
pub fn run_with_prompt(mut command: Command, prompt: &str, timeout: Duration) -> ClaudeOutput {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => panic!("cannot start {:?}: {error}", command.get_program()),
    };
    let stdin = child.stdin.take();
    let prompt = prompt.to_string();
    let writer = thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // Claude Code may exit before reading everything; that shows
            // in its output, not here.
            let _ = stdin.write_all(prompt.as_bytes());
        }
    });
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());

    let deadline = started + timeout;
    let mut timed_out = false;
    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                // Our own child; it may have exited in between.
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let _ = writer.join();
    ClaudeOutput {
        exit_code: status.and_then(|s| s.code()),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        duration: started.elapsed(),
        timed_out,
    }
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read so far.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// What a run printed, and how it ended.
#[derive(Debug, Clone)]
pub struct ClaudeOutput {
    /// `None` when killed by a signal (or by the timeout).
    pub exit_code: Option<i32>,
    /// The stream-json, one event per line.
    pub stdout: String,
    /// Diagnostics; empty in every scenario observed with 2.1.330.
    pub stderr: String,
    /// Wall time.
    pub duration: Duration,
    /// Whether the timeout killed it.
    pub timed_out: bool,
}

impl ClaudeOutput {
    /// The stream-json events.
    ///
    /// # Panics
    /// When a line is not JSON.
    pub fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| match serde_json::from_str(line) {
                Ok(value) => value,
                Err(error) => panic!(
                    "stream-json line is not JSON ({error}): {line}\n{}",
                    self.describe()
                ),
            })
            .collect()
    }

    /// The events with this `type` (and `subtype`, when given).
    pub fn events_of(&self, kind: &str, subtype: Option<&str>) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["type"] == kind)
            .filter(|e| subtype.is_none_or(|s| e["subtype"] == s))
            .collect()
    }

    /// The final `result` event.
    ///
    /// # Panics
    /// When there is none.
    pub fn result(&self) -> Value {
        match self.events_of("result", None).pop() {
            Some(result) => result,
            None => panic!("no result event\n{}", self.describe()),
        }
    }

    /// The `session_id` of the `system`/`init` event.
    ///
    /// # Panics
    /// When there is none.
    pub fn session_id(&self) -> String {
        let init = self.events_of("system", Some("init"));
        match init.first().and_then(|e| e["session_id"].as_str()) {
            Some(id) => id.to_string(),
            None => panic!(
                "no system/init event with a session_id\n{}",
                self.describe()
            ),
        }
    }

    /// Exit code, timing, stderr and the last lines of stdout, for panic
    /// messages.
    pub fn describe(&self) -> String {
        let lines: Vec<&str> = self.stdout.lines().collect();
        let tail = &lines[lines.len().saturating_sub(5)..];
        let tail: Vec<String> = tail
            .iter()
            .map(|line| match line.char_indices().nth(600) {
                Some((at, _)) => format!("{}…", &line[..at]),
                None => (*line).to_string(),
            })
            .collect();
        format!(
            "claude exit code {:?} after {:.1}s{}\nstderr:\n{}\nstdout (last {} of {} lines):\n{}",
            self.exit_code,
            self.duration.as_secs_f64(),
            if self.timed_out {
                " (killed at timeout)"
            } else {
                ""
            },
            self.stderr,
            tail.len(),
            lines.len(),
            tail.join("\n")
        )
    }
}

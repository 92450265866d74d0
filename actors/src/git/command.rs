//! The one place that starts git, so every call gets the same guarantees:
//! no prompt, a deadline, and redacted diagnostics.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::error::GitError;
use super::redact::redact_text;

/// What a finished git process left behind.
pub(crate) struct GitOutput {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// One git invocation. `action` names it in errors; it must not contain a
/// URL, since the arguments may carry credentials.
pub(crate) struct GitCall<'a> {
    action: &'a str,
    git_dir: Option<&'a Path>,
    args: Vec<&'a OsStr>,
    stdin: Option<&'a [u8]>,
    timeout: Duration,
}

impl<'a> GitCall<'a> {
    pub fn new(action: &'a str, timeout: Duration) -> Self {
        Self {
            action,
            git_dir: None,
            args: Vec::new(),
            stdin: None,
            timeout,
        }
    }

    /// Runs git as `git --git-dir=dir …`: no repository discovery, so a
    /// broken or missing repository is an error rather than silently
    /// becoming whatever repository encloses it.
    pub fn git_dir(mut self, dir: &'a Path) -> Self {
        self.git_dir = Some(dir);
        self
    }

    pub fn arg(mut self, arg: &'a (impl AsRef<OsStr> + ?Sized)) -> Self {
        self.args.push(arg.as_ref());
        self
    }

    pub fn args<S: AsRef<OsStr> + 'a>(mut self, args: &'a [S]) -> Self {
        self.args.extend(args.iter().map(AsRef::as_ref));
        self
    }

    pub fn stdin(mut self, input: &'a [u8]) -> Self {
        self.stdin = Some(input);
        self
    }

    /// Runs to completion and returns stdout; a non-zero exit is an error.
    pub async fn run(self) -> Result<Vec<u8>, GitError> {
        let action = self.action.to_owned();
        let out = self.run_raw().await?;
        if out.success {
            Ok(out.stdout)
        } else {
            Err(failed(&action, &out))
        }
    }

    /// Runs to completion; the caller interprets the exit status (for
    /// commands like `rev-parse --verify --quiet` whose failure is an answer).
    pub async fn run_raw(self) -> Result<GitOutput, GitError> {
        let mut cmd = Command::new("git");
        if let Some(git_dir) = self.git_dir {
            let mut flag = std::ffi::OsString::from("--git-dir=");
            flag.push(git_dir);
            cmd.arg(flag);
        }
        cmd.args(&self.args)
            // A server has nobody to answer a prompt: without these git
            // would wait on a terminal or a GUI helper until the timeout.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("GCM_INTERACTIVE", "never")
            // English, stable messages in errors whatever the host locale.
            .env("LC_ALL", "C")
            // Were Airut started from a git hook or a shell inside a
            // repository, these would redirect every call to that repository.
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_OBJECT_DIRECTORY")
            .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
            .env_remove("GIT_COMMON_DIR")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // On timeout the future is dropped; this kills git with it.
            .kill_on_drop(true);

        let mut child = cmd.spawn().map_err(|source| GitError::Spawn {
            action: self.action.to_owned(),
            source,
        })?;
        let stdin = child.stdin.take();
        let input = self.stdin.unwrap_or_default();
        let work = async move {
            // Feed stdin while stdout is drained, so neither side can fill a
            // pipe and wait on the other.
            let feed = async {
                if let Some(mut pipe) = stdin {
                    // A write error means git exited early; its exit status
                    // and stderr say why, so the error here adds nothing.
                    let _ = pipe.write_all(input).await;
                    drop(pipe);
                }
            };
            let ((), output) = tokio::join!(feed, child.wait_with_output());
            output
        };
        let output = tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| GitError::TimedOut {
                action: self.action.to_owned(),
                timeout: self.timeout,
            })?
            .map_err(|source| GitError::Io {
                action: format!("waiting for git {}", self.action),
                source,
            })?;
        Ok(GitOutput {
            success: output.status.success(),
            code: output.status.code(),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }
}

/// The error for a git process that exited unsuccessfully.
pub(crate) fn failed(action: &str, out: &GitOutput) -> GitError {
    GitError::Failed {
        action: action.to_owned(),
        code: out
            .code
            .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
        stderr: clean_stderr(&out.stderr),
    }
}

/// git's stderr as one redacted line, capped so a chatty failure cannot
/// flood a log line or an email reply.
fn clean_stderr(stderr: &[u8]) -> String {
    const MAX: usize = 2000;
    let text = String::from_utf8_lossy(stderr);
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    let mut clean = redact_text(&joined);
    if clean.len() > MAX {
        let mut cut = MAX;
        while !clean.is_char_boundary(cut) {
            cut -= 1;
        }
        clean.truncate(cut);
        clean.push('…');
    }
    clean
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;

//! One Claude Code run in a task container: the conversation's directories
//! mounted, the prompt on stdin, every stream-json event parsed, appended to
//! `events.jsonl` and handed to the caller as it arrives, and a classified
//! result at the end.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;
use tracing::{Instrument, info, info_span, warn};

use super::claude_binary::CLAUDE_MOUNT_PATH;
use super::claude_invocation::{CLAUDE_STATE_DIR, ClaudeInvocation, claude_env, merge_env};
use super::container_run::{RunError, RunOptions, Stream, run_container};
use super::container_spec::{ContainerSpec, Limits, Mount, NetworkAttachment};
use super::engine::Engine;
use super::events_log::EventsLog;
use super::names::{Names, Role};
use super::outcome::{ResultBuilder, RunFacts, TaskResult};
use super::stop_handle::StopHandle;
use super::stream_json::{ClaudeEvent, parse_line};

/// Used when `resource_limits.timeout` is not set. The Python Airut had no
/// limit at all; two hours covers long agent runs (a build, a test suite, a
/// PR) while still ending a hung one.
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// Lines of stderr (and stray stdout) kept for the error summary.
const STDERR_TAIL: usize = 20;

/// A conversation's directory and the parts a task container sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationDirs {
    root: PathBuf,
}

impl ConversationDirs {
    pub fn new(root: impl Into<PathBuf>) -> ConversationDirs {
        ConversationDirs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn workspace(&self) -> PathBuf {
        self.root.join("workspace")
    }
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }
    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox")
    }
    pub fn storage(&self) -> PathBuf {
        self.root.join("storage")
    }
    /// Claude's own state (sessions), mounted at `/root/.claude`.
    pub fn claude(&self) -> PathBuf {
        self.root.join("claude")
    }
    pub fn events_log(&self) -> PathBuf {
        self.root.join("events.jsonl")
    }

    /// Creates every directory a task mounts.
    pub fn create(&self) -> std::io::Result<()> {
        for dir in [
            self.workspace(),
            self.inbox(),
            self.outbox(),
            self.storage(),
            self.claude(),
        ] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }

    fn mounts(&self) -> Vec<Mount> {
        [
            (self.workspace(), "/workspace"),
            (self.inbox(), "/inbox"),
            (self.outbox(), "/outbox"),
            (self.storage(), "/storage"),
            (self.claude(), CLAUDE_STATE_DIR),
        ]
        .into_iter()
        .map(|(host, ctr)| Mount::rw(host.display().to_string(), ctr))
        .collect()
    }
}

/// Everything one agent run needs.
#[derive(Debug, Clone)]
pub struct AgentTaskRequest {
    pub conversation_id: String,
    pub task_id: String,
    pub dirs: ConversationDirs,
    /// Task image tag (see `images::ImageCache`).
    pub image: String,
    /// Host path of the verified Claude Code binary, mounted read-only.
    pub claude_binary: PathBuf,
    pub invocation: ClaudeInvocation,
    pub prompt: String,
    /// The credential pools (plain secrets, surrogates). Airut's own
    /// variables are applied on top and cannot be overridden.
    pub env: Vec<(String, String)>,
    pub limits: Limits,
    pub timeout: Duration,
    pub network: NetworkAttachment,
    /// More mounts (the proxy CA when the network sandbox is on).
    pub extra_mounts: Vec<Mount>,
}

#[derive(Debug, Error)]
pub enum AgentTaskError {
    #[error("conversation directory {path}: {source}")]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Container(#[from] RunError),
}

/// Runs Claude Code once. `on_event` sees every event as it arrives (the
/// dashboard, the live plan). Expected failures (timeout, API errors, OOM,
/// a stop) come back as the result's outcome; only infrastructure failures
/// are errors.
pub async fn run_agent_task(
    engine: &Engine,
    names: &Names,
    request: &AgentTaskRequest,
    stop: StopHandle,
    mut on_event: impl FnMut(&ClaudeEvent),
) -> Result<TaskResult, AgentTaskError> {
    let span = info_span!(
        "agent_task",
        conversation = request.conversation_id,
        task = request.task_id
    );
    async {
        request.dirs.create().map_err(|source| AgentTaskError::Directory {
            path: request.dirs.root().to_path_buf(),
            source,
        })?;
        let mut events_log = match EventsLog::open(&request.dirs.events_log()) {
            Ok(log) => Some(log),
            Err(err) => {
                warn!("events.jsonl cannot be opened, events are not persisted: {err}");
                None
            }
        };
        let spec = container_spec(names, request);
        let mut builder = ResultBuilder::new();
        let mut stderr_tail: VecDeque<String> = VecDeque::with_capacity(STDERR_TAIL);
        let mut keep_tail = |line: String| {
            if stderr_tail.len() == STDERR_TAIL {
                stderr_tail.pop_front();
            }
            stderr_tail.push_back(line);
        };
        info!(image = request.image, resumed = request.invocation.resume_session.is_some(), "starting Claude Code");
        let exit = run_container(
            engine,
            &spec,
            RunOptions {
                stdin: Some(request.prompt.as_bytes()),
                timeout: Some(request.timeout),
                stop,
                stop_grace: Duration::ZERO,
                remove_in_background: true,
            },
            |stream, line| match (stream, parse_line(&line)) {
                (Stream::Stdout, Some(event)) => {
                    if let Some(log) = events_log.as_mut()
                        && let Err(err) = log.append(&request.task_id, &event.raw)
                    {
                        warn!("events.jsonl append failed: {err}");
                    }
                    builder.on_event(&event);
                    on_event(&event);
                }
                (_, _) if !line.trim().is_empty() => keep_tail(line),
                _ => {}
            },
        )
        .await?;
        let facts = RunFacts {
            exit_code: exit.exit_code,
            timed_out: exit.timed_out,
            stopped: exit.stopped,
            oom_killed: exit.oom_killed,
            resumed: request.invocation.resume_session.is_some(),
            stderr_tail: stderr_tail.into_iter().collect(),
            wall_duration_ms: exit.duration.as_millis() as u64,
        };
        let result = builder.finish(&facts);
        info!(outcome = %result.outcome, seconds = exit.duration.as_secs_f64(), "Claude Code finished");
        Ok(result)
    }
    .instrument(span)
    .await
}

fn container_spec(names: &Names, request: &AgentTaskRequest) -> ContainerSpec {
    let mut mounts = request.dirs.mounts();
    mounts.push(Mount::ro(
        request.claude_binary.display().to_string(),
        CLAUDE_MOUNT_PATH,
    ));
    mounts.extend(request.extra_mounts.iter().cloned());
    ContainerSpec {
        name: names.container(Role::Task, &request.conversation_id, &request.task_id),
        image: request.image.clone(),
        cmd: request.invocation.argv(),
        env: merge_env(&request.env, &claude_env()),
        mounts,
        working_dir: Some("/workspace".to_string()),
        limits: request.limits.clone(),
        network: request.network.clone(),
        labels: names.container_labels(Role::Task, &request.conversation_id, &request.task_id),
        stdin: true,
    }
}

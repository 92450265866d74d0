//! One task of a conversation, end to end, with the real components: the
//! mirror refreshed, the workspace cloned if missing, the task image built
//! from the container directory on the mirror's default branch, the
//! credentials and the network sandbox set up, Claude Code run (and retried
//! once in a fresh session when a resumed session cannot go on), the proxy
//! torn down, the outbox collected and the reply text made.
//!
//! The conversation actor calls [`run_task`]; see `spec/task-runner.md`.

mod outbox;
mod reply;

#[cfg(test)]
mod reply_tests;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tracing::{Instrument, info, info_span, warn};

use crate::config::{self, ResourceLimits, Secret};
use crate::git::{GitError, GitMirror, create_workspace};
use crate::sandbox::agent_task::{
    AgentTaskError, AgentTaskRequest, ConversationDirs, DEFAULT_TASK_TIMEOUT, run_agent_task,
};
use crate::sandbox::build_context::{BuildContext, ContextError};
use crate::sandbox::claude_invocation::{ClaudeInvocation, merge_env};
use crate::sandbox::container_spec::{Limits, NetworkAttachment, parse_memory};
use crate::sandbox::engine::Engine;
use crate::sandbox::images::{ImageCache, ImageError};
use crate::sandbox::names::Names;
use crate::sandbox::network_sandbox::{NetworkError, NetworkSandbox, ProxySession, ProxySettings};
use crate::sandbox::outcome::{Outcome, TaskResult};
use crate::sandbox::stop_handle::StopHandle;
use crate::sandbox::stream_json::ClaudeEvent;
use crate::sandbox::surrogates::masked_for_task;
use crate::store::{Store, StoreError};
use crate::task_prompt::{RecoveryCause, RecoveryInput, TaskRun, recovery_run};

pub use outbox::delivered_dir;
pub use reply::{ReplyContext, reply_text, tokens, usage_footer};

/// The allowlist file on the mirror's default branch.
pub const ALLOWLIST_PATH: &str = ".airut/network-allowlist.yaml";
/// The conversation's network log (appended to by every task's proxy).
pub const NETWORK_LOG: &str = "network-sandbox.log";

/// What every task of one gateway process shares.
pub struct TaskEnvironment {
    pub engine: Engine,
    pub names: Names,
    pub images: Arc<ImageCache>,
    /// `None`: no network sandbox in this process; tasks get the engine's
    /// default network (unrestricted egress) and a warning.
    pub network: Option<Arc<NetworkSandbox>>,
    /// Where the masked secrets' surrogates are kept.
    pub store: Store,
    /// Host path of the verified Claude Code binary.
    pub claude_binary: PathBuf,
    /// Added to every task's environment last, over the secrets (tests set
    /// `ANTHROPIC_BASE_URL` here).
    pub extra_env: Vec<(String, String)>,
    /// Passed to every proxy (tests point model hosts at local servers).
    pub upstream_hosts: BTreeMap<String, IpAddr>,
    pub upstream_ports: BTreeMap<String, u16>,
    pub upstream_dns: Option<SocketAddr>,
    pub upstream_extra_roots_pem: Option<String>,
}

/// The parts of a repo's config a task uses.
#[derive(Debug, Clone, Default)]
pub struct TaskRepo {
    /// Directory on the default branch with the `Dockerfile`.
    pub container_path: String,
    pub sandbox_enabled: bool,
    pub resource_limits: ResourceLimits,
    pub secrets: BTreeMap<String, Secret>,
    pub masked_secrets: BTreeMap<String, config::MaskedSecret>,
    /// The repo's own Claude Code binary (resolved by the gateway from
    /// `claude_binary` / `claude_version`); `None`: the environment's.
    pub claude_binary: Option<PathBuf>,
}

impl From<&config::RepoConfig> for TaskRepo {
    fn from(repo: &config::RepoConfig) -> TaskRepo {
        TaskRepo {
            container_path: repo.container_path.clone(),
            sandbox_enabled: repo.sandbox_enabled,
            resource_limits: repo.resource_limits.clone(),
            secrets: repo.secrets.clone(),
            masked_secrets: repo.masked_secrets.clone(),
            claude_binary: None,
        }
    }
}

/// What the one fresh-session retry carries over (see
/// `task_prompt::recovery_prompt`).
#[derive(Debug, Clone, Default)]
pub struct RecoveryParts {
    pub channel_context: String,
    /// The agent's last successful reply in this conversation.
    pub last_reply: Option<String>,
    /// The attributed user messages of this task.
    pub request_body: String,
}

/// One task.
#[derive(Debug, Clone)]
pub struct TaskInput {
    pub repo_id: String,
    pub repo: TaskRepo,
    pub conversation_id: String,
    pub task_id: String,
    pub conversation_dir: ConversationDirs,
    pub mirror: Arc<GitMirror>,
    pub repo_url: String,
    pub prompt: String,
    pub model: String,
    pub effort: Option<String>,
    /// The conversation's last session, to `--resume`.
    pub resume_session: Option<String>,
    pub recovery: RecoveryParts,
}

/// What a task produced.
#[derive(Debug, Clone)]
pub struct TaskOutput {
    /// Of the last run (the retry, when there was one).
    pub result: TaskResult,
    /// The outbox files, moved to `<conversation>/delivered/<task_id>/`.
    pub outbox_files: Vec<PathBuf>,
    /// The response with a usage footer, or the error reply.
    pub reply_text: String,
    /// The prompt of the last run (the recovery prompt after a retry).
    pub final_prompt: String,
    /// A fresh session replaced an unresumable one.
    pub recovered: bool,
}

/// Infrastructure failures: nothing (or nothing complete) ran. Expected
/// failures of the agent are outcomes in [`TaskOutput::result`].
#[derive(Debug, Error)]
pub enum TaskRunError {
    #[error("git mirror of {repo}: {source}")]
    Mirror {
        repo: String,
        #[source]
        source: GitError,
    },
    #[error("creating the workspace: {0}")]
    Workspace(#[source] GitError),
    #[error("reading the container directory {path}: {source}")]
    ContainerDir {
        path: String,
        #[source]
        source: GitError,
    },
    #[error("container directory {path}: {source}")]
    BuildContext {
        path: String,
        #[source]
        source: ContextError,
    },
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("network allowlist {ALLOWLIST_PATH}: {0}")]
    Allowlist(String),
    #[error("masked secrets: {0}")]
    Surrogates(#[from] StoreError),
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error(transparent)]
    Agent(#[from] AgentTaskError),
    #[error("collecting the outbox into {path}: {source}")]
    Outbox {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs one task end to end. `on_event` sees every Claude event of every
/// run (the retry's too). The proxy session is closed on every path.
pub async fn run_task(
    env: &TaskEnvironment,
    input: &TaskInput,
    stop: StopHandle,
    mut on_event: impl FnMut(&ClaudeEvent),
) -> Result<TaskOutput, TaskRunError> {
    let span = info_span!(
        "task",
        repo = input.repo_id,
        conversation = input.conversation_id,
        task = input.task_id
    );
    async {
        prepare_git(input).await?;
        let image = build_image(env, input).await?;
        let masked = masked_for_task(
            &env.store,
            &input.conversation_id,
            &input.repo.masked_secrets,
        )?;
        let sandboxed = sandbox_for(env, input);
        let allowlist = match sandboxed {
            Some(_) => Some(read_allowlist(&input.mirror).await?),
            None => None,
        };

        let plain: Vec<(String, String)> = input
            .repo
            .secrets
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_string()))
            .collect();
        // masked over plain; the caller's extras last
        let mut task_env = merge_env(&plain, &masked.env);

        let session = match (sandboxed, allowlist) {
            (Some(network), Some(allowlist)) => {
                let settings = ProxySettings {
                    allowlist,
                    masked_secrets: masked.proxy,
                    upstream_hosts: env.upstream_hosts.clone(),
                    upstream_ports: env.upstream_ports.clone(),
                    upstream_dns: env.upstream_dns,
                    upstream_extra_roots_pem: env.upstream_extra_roots_pem.clone(),
                };
                let log = input.conversation_dir.root().join(NETWORK_LOG);
                if let Some(parent) = log.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                let session = network
                    .open(&input.conversation_id, &input.task_id, &settings, &log)
                    .await?;
                Some((network, session))
            }
            _ => None,
        };
        let (attachment, extra_mounts) = match &session {
            Some((_, s)) => {
                task_env = merge_env(&task_env, &s.task_env());
                (s.task_attachment(), s.task_mounts())
            }
            None => (NetworkAttachment::Default, Vec::new()),
        };
        task_env = merge_env(&task_env, &env.extra_env);

        let base = AgentTaskRequest {
            conversation_id: input.conversation_id.clone(),
            task_id: input.task_id.clone(),
            dirs: input.conversation_dir.clone(),
            image,
            claude_binary: input
                .repo
                .claude_binary
                .clone()
                .unwrap_or_else(|| env.claude_binary.clone()),
            invocation: ClaudeInvocation {
                model: input.model.clone(),
                effort: input.effort.clone(),
                resume_session: input.resume_session.clone(),
            },
            prompt: input.prompt.clone(),
            env: task_env,
            limits: limits(&input.repo.resource_limits),
            timeout: timeout(&input.repo.resource_limits),
            network: attachment,
            extra_mounts,
        };
        let ran = run_with_recovery(env, input, base, stop, &mut on_event).await;
        // The proxy goes in the background like the task container: the
        // answer does not wait for it (a shutdown or the next start removes
        // whatever is left).
        if let Some((network, session)) = session {
            tokio::spawn(async move { close(&network, session).await });
        }
        let (result, final_prompt, recovered) = ran?;

        let root = input.conversation_dir.root();
        let target = delivered_dir(root, &input.task_id);
        let outbox_files =
            outbox::collect(&input.conversation_dir.outbox(), &target).map_err(|source| {
                TaskRunError::Outbox {
                    path: target.clone(),
                    source,
                }
            })?;
        let reply_text = reply_text(
            &result,
            &ReplyContext {
                model: &input.model,
                timeout: timeout(&input.repo.resource_limits),
                memory_limit: input.repo.resource_limits.memory.as_deref(),
            },
        );
        info!(
            outcome = %result.outcome,
            recovered,
            outbox_files = outbox_files.len(),
            "task finished"
        );
        Ok(TaskOutput {
            result,
            outbox_files,
            reply_text,
            final_prompt,
            recovered,
        })
    }
    .instrument(span)
    .await
}

async fn close(network: &NetworkSandbox, session: ProxySession) {
    network.close(session).await;
}

/// The mirror exists and is as fresh as the remote allows; the workspace
/// exists.
async fn prepare_git(input: &TaskInput) -> Result<(), TaskRunError> {
    let mirror_error = |source| TaskRunError::Mirror {
        repo: input.repo_id.clone(),
        source,
    };
    let existed = input.mirror.path().exists();
    input
        .mirror
        .ensure(&input.repo_url)
        .await
        .map_err(mirror_error)?;
    if existed && let Err(err) = input.mirror.refresh().await {
        warn!("git mirror refresh failed, going on with the mirror as it is: {err}");
    }
    create_workspace(
        &input.mirror,
        &input.conversation_dir.workspace(),
        &input.repo_url,
    )
    .await
    .map_err(TaskRunError::Workspace)?;
    Ok(())
}

/// The task image from the container directory on the mirror's default
/// branch (never the workspace, which the agent controls).
async fn build_image(env: &TaskEnvironment, input: &TaskInput) -> Result<String, TaskRunError> {
    let path = input.repo.container_path.clone();
    let files = input
        .mirror
        .read_dir_at_default_branch(&path)
        .await
        .map_err(|source| TaskRunError::ContainerDir {
            path: path.clone(),
            source,
        })?;
    let context = BuildContext::from_files(files)
        .map_err(|source| TaskRunError::BuildContext { path, source })?;
    let image = env.images.ensure_task_image(&context).await?;
    if image.built {
        info!(image = image.tag, "task image built");
    }
    Ok(image.tag)
}

/// The network sandbox this task runs behind, if any.
fn sandbox_for(env: &TaskEnvironment, input: &TaskInput) -> Option<Arc<NetworkSandbox>> {
    match (&env.network, input.repo.sandbox_enabled) {
        (Some(network), true) => Some(Arc::clone(network)),
        (None, true) => {
            warn!(
                "NETWORK SANDBOX UNAVAILABLE in this process: the task runs with unrestricted \
                 network access and masked secrets will not be swapped in"
            );
            None
        }
        (_, false) => {
            warn!(
                "network sandbox disabled for this repo: the task runs with unrestricted \
                 network access and masked secrets will not be swapped in"
            );
            None
        }
    }
}

async fn read_allowlist(
    mirror: &GitMirror,
) -> Result<airut_proxy::policy::Allowlist, TaskRunError> {
    let bytes = mirror
        .read_file_at_default_branch(ALLOWLIST_PATH)
        .await
        .map_err(|e| TaskRunError::Allowlist(e.to_string()))?
        .ok_or_else(|| {
            TaskRunError::Allowlist(
                "missing on the default branch; the sandboxed task would reach nothing".into(),
            )
        })?;
    let text =
        String::from_utf8(bytes).map_err(|_| TaskRunError::Allowlist("not valid UTF-8".into()))?;
    config::parse_allowlist(&text).map_err(|e| TaskRunError::Allowlist(e.to_string()))
}

fn limits(limits: &ResourceLimits) -> Limits {
    Limits {
        memory_bytes: limits.memory.as_deref().and_then(parse_memory),
        cpus: limits.cpus,
        pids: limits.pids_limit.map(i64::from),
    }
}

fn timeout(limits: &ResourceLimits) -> Duration {
    limits.timeout.unwrap_or(DEFAULT_TASK_TIMEOUT)
}

/// Runs `request`, and once more in a fresh session with the recovery
/// prompt when a resumed run's outcome calls for it.
async fn run_with_recovery(
    env: &TaskEnvironment,
    input: &TaskInput,
    mut request: AgentTaskRequest,
    stop: StopHandle,
    on_event: &mut impl FnMut(&ClaudeEvent),
) -> Result<(TaskResult, String, bool), TaskRunError> {
    let first = run_agent_task(
        &env.engine,
        &env.names,
        &request,
        stop.clone(),
        &mut *on_event,
    )
    .await?;
    if !first.outcome.calls_for_fresh_session() || stop.is_stopped() {
        return Ok((first, request.prompt, false));
    }
    let failed = TaskRun {
        prompt: request.prompt.clone(),
        model: request.invocation.model.clone(),
        effort: request.invocation.effort.clone(),
        resume_session: request.invocation.resume_session.clone(),
    };
    let cause = match first.outcome {
        Outcome::PromptTooLong => RecoveryCause::PromptTooLong,
        _ => RecoveryCause::SessionCorrupted,
    };
    let Some(retry) = recovery_run(
        &failed,
        &RecoveryInput {
            cause,
            channel_context: &input.recovery.channel_context,
            last_reply: input.recovery.last_reply.as_deref(),
            request_body: &input.recovery.request_body,
        },
    ) else {
        // already a fresh session: an ordinary failure
        return Ok((first, request.prompt, false));
    };
    warn!(outcome = %first.outcome, "resumed session cannot go on; retrying once in a fresh session");
    request.prompt = retry.prompt;
    request.invocation = ClaudeInvocation {
        model: retry.model,
        effort: retry.effort,
        resume_session: retry.resume_session,
    };
    let second = run_agent_task(&env.engine, &env.names, &request, stop, &mut *on_event).await?;
    Ok((second, request.prompt, true))
}

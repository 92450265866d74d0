//! Live config reload (gateway.md G23, `spec/config-reload.md`). The caller
//! (`airut run`) runs the load pipeline on a file event or SIGHUP and hands
//! the result here. An invalid file leaves everything as it runs and is
//! recorded as `last_reload_error`; a valid one is compared with what runs
//! and applied by scope: task-scope values reach each repo's next task,
//! repo-scope changes restart the repo once it is idle, added repos start,
//! removed ones stop once idle, and server keys are applied where that is
//! possible live and otherwise reported as needing a restart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use serde::Serialize;
use tracing::{info, warn};

use super::reload_diff::{self, LIVE_SERVER_KEYS};
use super::{Gateway, GatewaySettings, RepoEntry, environment};
use crate::config::{ReloadScope, RepoConfig, ServerConfig};
use crate::conversation::UpdateTaskSettings;
use crate::hub::{BootPhase, RepoStatus, now_ms};
use crate::repo::{BusyConversations, RetireRepo};
use crate::task_runner::TaskRepo;

/// How often repos waiting for idle are checked.
const PENDING_POLL: Duration = Duration::from_millis(500);

/// The reload bookkeeping of the gateway.
#[derive(Debug, Default)]
pub(super) struct ReloadState {
    generation: u64,
    sha256: Option<String>,
    last_error: Option<String>,
    last_attempt_ms: Option<i64>,
    /// Started on defaults because the file was invalid (`--resilient`).
    fallback: bool,
    restart_required: Vec<&'static str>,
    pending: BTreeMap<String, Pending>,
    polling: bool,
    checking: bool,
}

#[derive(Debug, Clone)]
enum Pending {
    Restart(Box<RepoConfig>),
    Remove,
}

impl Pending {
    fn name(&self) -> &'static str {
        match self {
            Pending::Restart(_) => "restart",
            Pending::Remove => "remove",
        }
    }
}

/// The outcome of the load pipeline, as `airut run` hands it over.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    Loaded {
        config: Box<ServerConfig>,
        sha256: String,
    },
    /// The diagnostics (`key (line N): message`), already free of secrets.
    Invalid { error: String },
}

/// What the gateway started with; sent once, right after it starts.
/// `None` sha: no file, built-in defaults. An error: `--resilient` kept the
/// process up on defaults.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct ConfigOrigin {
    pub sha256: Option<String>,
    pub error: Option<String>,
}

/// Apply a newly loaded (or failed) config.
#[derive(Message, Debug, Clone)]
#[rtype(result = "ReloadOutcome")]
pub struct Reload(pub ConfigSource);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The new config runs (or waits for idle repos); `changes` is a
    /// one-line summary for the log.
    Applied { generation: u64, changes: String },
    /// The file was invalid; the running config stays.
    Rejected,
    /// Shutting down: nothing done.
    Ignored,
}

#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "ReloadStatus")]
pub struct GetReloadStatus;

/// For `/api/state`, `/api/health`, the dashboard and `airut status`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReloadStatus {
    /// Bumped by every successful load (the start counts as 1); 0 while
    /// running on defaults after an invalid file at start.
    pub generation: u64,
    /// SHA-256 of the file bytes of the running config.
    pub config_sha256: Option<String>,
    /// Why the file on disk is not running; cleared by the next good load.
    pub last_reload_error: Option<String>,
    pub last_reload_at_ms: Option<i64>,
    /// The file was invalid at start; the gateway runs on defaults.
    pub running_on_defaults: bool,
    /// Server keys changed in the file that only take effect after a
    /// restart of the process.
    pub restart_required: Vec<String>,
    /// Repos waiting to go idle: `restart` or `remove`.
    pub reload_pending: BTreeMap<String, String>,
    /// Model and effort each repo's next task uses.
    pub repos: BTreeMap<String, RepoConfigView>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RepoConfigView {
    pub model: String,
    pub effort: Option<String>,
}

impl Handler<ConfigOrigin> for Gateway {
    type Result = ();

    fn handle(&mut self, msg: ConfigOrigin, _: &mut Context<Self>) {
        let state = &mut self.reload;
        state.fallback = msg.error.is_some();
        state.generation = u64::from(msg.error.is_none());
        state.sha256 = msg.sha256;
        state.last_error = msg.error;
    }
}

impl Handler<GetReloadStatus> for Gateway {
    type Result = MessageResult<GetReloadStatus>;

    fn handle(&mut self, _: GetReloadStatus, _: &mut Context<Self>) -> Self::Result {
        let state = &self.reload;
        MessageResult(ReloadStatus {
            generation: state.generation,
            config_sha256: state.sha256.clone(),
            last_reload_error: state.last_error.clone(),
            last_reload_at_ms: state.last_attempt_ms,
            running_on_defaults: state.fallback,
            restart_required: state
                .restart_required
                .iter()
                .map(|k| k.to_string())
                .collect(),
            reload_pending: state
                .pending
                .iter()
                .map(|(id, p)| (id.clone(), p.name().to_string()))
                .collect(),
            repos: self
                .repos
                .iter()
                .map(|(id, entry)| {
                    let view = RepoConfigView {
                        model: entry.config.model.clone(),
                        effort: entry.config.effort.clone(),
                    };
                    (id.clone(), view)
                })
                .collect(),
        })
    }
}

impl Handler<Reload> for Gateway {
    type Result = MessageResult<Reload>;

    fn handle(&mut self, msg: Reload, ctx: &mut Context<Self>) -> Self::Result {
        if self.shutting_down {
            return MessageResult(ReloadOutcome::Ignored);
        }
        self.reload.last_attempt_ms = Some(now_ms());
        match msg.0 {
            ConfigSource::Invalid { error } => {
                warn!(
                    "config reload rejected; the running config stays: {}",
                    error.replace(":\n", ": ").replace('\n', "; ")
                );
                self.reload.last_error = Some(error);
                MessageResult(ReloadOutcome::Rejected)
            }
            ConfigSource::Loaded { config, sha256 } => {
                let changes = self.apply_config(ctx, *config);
                let state = &mut self.reload;
                state.generation += 1;
                state.sha256 = Some(sha256);
                state.last_error = None;
                state.fallback = false;
                info!(generation = state.generation, "config reloaded: {changes}");
                MessageResult(ReloadOutcome::Applied {
                    generation: state.generation,
                    changes,
                })
            }
        }
    }
}

impl GatewaySettings {
    /// The same gateway around another config.
    fn with_config(&self, config: ServerConfig) -> GatewaySettings {
        GatewaySettings {
            config,
            state_dir: self.state_dir.clone(),
            store: self.store.clone(),
            channels: Arc::clone(&self.channels),
            airut_binary: self.airut_binary.clone(),
            proxy_image: self.proxy_image.clone(),
            instance: self.instance.clone(),
            events: self.events.clone(),
            overrides: self.overrides.clone(),
            retry: self.retry,
            housekeeping_after: self.housekeeping_after,
            housekeeping_every: self.housekeeping_every,
        }
    }
}

impl Gateway {
    /// Compares each repo with what it runs (not with the last file: a
    /// pending restart may still be waiting) and applies by scope.
    fn apply_config(&mut self, ctx: &mut Context<Self>, file: ServerConfig) -> String {
        let running = self.settings.config.clone();
        let mut summary = Vec::new();
        let global_binary_changed = running.claude_binary != file.claude_binary;
        for (id, repo) in &file.repos {
            let Some(entry) = self.repos.get(id) else {
                summary.push(format!("{id}: added"));
                self.reload.pending.remove(id);
                self.add_repo(ctx, repo.clone());
                continue;
            };
            let mut keys = reload_diff::repo_changes(&entry.config, repo);
            if global_binary_changed && repo.claude_binary.is_none() {
                keys.push("claude_binary");
            }
            let was_pending = self.reload.pending.remove(id).is_some();
            if keys.is_empty() {
                if was_pending {
                    summary.push(format!("{id}: pending change withdrawn"));
                }
                continue;
            }
            let scope = if keys
                .iter()
                .any(|k| reload_diff::repo_key_scope(k) == ReloadScope::Repo)
            {
                ReloadScope::Repo
            } else {
                ReloadScope::Task
            };
            summary.push(format!("{id}: {} ({scope:?} scope)", keys.join(", ")));
            match scope {
                ReloadScope::Task => self.swap_task_settings(ctx, repo.clone()),
                _ => {
                    self.reload
                        .pending
                        .insert(id.clone(), Pending::Restart(Box::new(repo.clone())));
                }
            }
        }
        let removed: Vec<String> = self
            .repos
            .keys()
            .filter(|id| !file.repos.contains_key(*id))
            .cloned()
            .collect();
        for id in removed {
            summary.push(format!("{id}: removed"));
            self.reload.pending.insert(id, Pending::Remove);
        }

        let (next, restart) = reload_diff::effective(&running, &file);
        let live: Vec<&str> = reload_diff::server_changes(&running, &next)
            .into_iter()
            .filter(|k| LIVE_SERVER_KEYS.contains(k))
            .collect();
        if !live.is_empty() {
            summary.push(format!("applied {}", live.join(", ")));
        }
        if !restart.is_empty() {
            warn!(
                keys = restart.join(", "),
                "config changes that need a restart of airut to take effect"
            );
            summary.push(format!("restart required for {}", restart.join(", ")));
        }
        self.resize_limiter(
            ctx,
            running.execution.max_concurrent,
            next.execution.max_concurrent,
        );
        self.settings = Arc::new(self.settings.with_config(next));
        self.reload.restart_required = restart;
        self.apply_pending(ctx);
        if summary.is_empty() {
            "no changes".to_string()
        } else {
            summary.join("; ")
        }
    }

    fn add_repo(&mut self, ctx: &mut Context<Self>, config: RepoConfig) {
        let id = config.repo_id.clone();
        self.repos.insert(
            id.clone(),
            RepoEntry {
                config,
                status: RepoStatus::Starting,
                failures: 0,
                addr: None,
                channel: None,
                listener: None,
                starting: false,
            },
        );
        self.set_status(&id, RepoStatus::Starting);
        if self.env.is_some() {
            self.start_repo(ctx, id);
        } else if matches!(self.boot, BootPhase::Repos | BootPhase::Ready) {
            // booted without repos, so without the engine: build it now
            self.boot(ctx);
        }
        // otherwise the environment is being built; its boot starts every repo
    }

    /// Task scope: the next task sees the new values; a running one keeps
    /// its copy.
    fn swap_task_settings(&mut self, ctx: &mut Context<Self>, config: RepoConfig) {
        let id = config.repo_id.clone();
        let Some(entry) = self.repos.get_mut(&id) else {
            return;
        };
        entry.config = config.clone();
        let (Some(addr), Some(claude)) = (entry.addr.clone(), self.claude.clone()) else {
            // not running: the next start reads entry.config
            return;
        };
        let settings = Arc::clone(&self.settings);
        let resolve = async move {
            environment::claude_binary_for(
                &claude,
                &settings.config,
                &config,
                settings.overrides.claude_binary.as_deref(),
            )
            .await
            .map(|binary| (config, binary))
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(resolve).map(move |resolved, act, _| {
                let (config, binary) = match resolved {
                    Ok(resolved) => resolved,
                    Err(error) => {
                        warn!(
                            repo = id,
                            "reload: Claude Code binary: {error}; the repo keeps its settings"
                        );
                        return;
                    }
                };
                // a later reload already replaced this one
                if act.repos.get(&id).is_none_or(|e| e.config != config) {
                    return;
                }
                let mut repo = TaskRepo::from(&config);
                repo.claude_binary = Some(binary);
                addr.do_send(UpdateTaskSettings {
                    repo,
                    repo_model: Some(config.model.clone()),
                    repo_effort: config.effort.clone(),
                });
            }),
        );
    }

    /// Grows the shared limiter at once; shrinking takes permits as
    /// running tasks return them.
    fn resize_limiter(&self, ctx: &mut Context<Self>, old: usize, new: usize) {
        let (old, new) = (old.max(1), new.max(1));
        if new > old {
            self.limiter.add_permits(new - old);
        } else if new < old {
            let excess = old - new;
            let missing = excess - self.limiter.forget_permits(excess);
            if let Ok(missing) = u32::try_from(missing)
                && missing > 0
            {
                let limiter = Arc::clone(&self.limiter);
                ctx.spawn(actix::fut::wrap_future(async move {
                    if let Ok(permits) = limiter.acquire_many_owned(missing).await {
                        permits.forget();
                    }
                }));
            }
        }
    }

    /// Applies the restarts and removals of repos that are idle now, and
    /// keeps checking the others.
    fn apply_pending(&mut self, ctx: &mut Context<Self>) {
        if self.reload.pending.is_empty() || self.reload.checking || self.shutting_down {
            return;
        }
        if !self.reload.polling {
            self.reload.polling = true;
            ctx.run_interval(PENDING_POLL, |act, ctx| act.apply_pending(ctx));
        }
        let mut checks = Vec::new();
        for id in self.reload.pending.keys() {
            let Some(entry) = self.repos.get(id) else {
                continue;
            };
            if entry.starting {
                continue;
            }
            checks.push((id.clone(), entry.addr.clone()));
        }
        if checks.is_empty() {
            return;
        }
        self.reload.checking = true;
        let busy = async move {
            let mut idle = Vec::new();
            for (id, addr) in checks {
                let busy = match &addr {
                    Some(addr) => addr
                        .send(BusyConversations)
                        .await
                        .is_ok_and(|b| !b.is_empty()),
                    None => false,
                };
                if !busy {
                    idle.push(id);
                }
            }
            idle
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(busy).map(|idle, act, ctx| {
                act.reload.checking = false;
                for id in idle {
                    if act.repos.get(&id).is_none_or(|e| e.starting) {
                        continue;
                    }
                    match act.reload.pending.remove(&id) {
                        Some(Pending::Restart(config)) => act.restart_repo(ctx, *config),
                        Some(Pending::Remove) => act.remove_repo(ctx, &id),
                        None => {}
                    }
                }
            }),
        );
    }

    /// Repo scope: stop intake and the actor, then start again from the
    /// new config (partial boot and retry apply as at start).
    fn restart_repo(&mut self, ctx: &mut Context<Self>, config: RepoConfig) {
        let id = config.repo_id.clone();
        let Some(entry) = self.repos.get_mut(&id) else {
            return;
        };
        info!(repo = id, "restarting the repo for its new config");
        entry.config = config;
        entry.failures = 0;
        entry.starting = true;
        let listener = entry.listener.take();
        let addr = entry.addr.take();
        entry.channel = None;
        self.set_status(&id, RepoStatus::Starting);
        let stop = async move {
            if let Some(listener) = listener {
                listener.stop().await;
            }
            if let Some(addr) = addr {
                let _ = addr.send(RetireRepo).await;
            }
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(stop).map(move |(), act, ctx| {
                if let Some(entry) = act.repos.get_mut(&id) {
                    entry.starting = false;
                    act.start_repo(ctx, id);
                }
            }),
        );
    }

    fn remove_repo(&mut self, ctx: &mut Context<Self>, id: &str) {
        let Some(mut entry) = self.repos.remove(id) else {
            return;
        };
        info!(repo = id, "repo removed from the config; stopping it");
        self.set_status(id, RepoStatus::Stopped);
        let listener = entry.listener.take();
        let addr = entry.addr.take();
        ctx.spawn(actix::fut::wrap_future(async move {
            if let Some(listener) = listener {
                listener.stop().await;
            }
            if let Some(addr) = addr {
                let _ = addr.send(RetireRepo).await;
            }
        }));
    }
}

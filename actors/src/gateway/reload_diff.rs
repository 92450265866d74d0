//! What changed between the running config and a newly loaded one, sorted
//! by when each change can take effect (`config::ReloadScope`, gateway.md
//! G23.3). Pure: the gateway's reload applies the result.

use std::collections::BTreeMap;

use crate::config::{ReloadScope, RepoConfig, ServerConfig};

/// The changes of one repo present in both configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoChange {
    /// `Repo` when any key needs the repo's channel and actor restarted,
    /// else `Task` (the next task picks the change up).
    pub scope: ReloadScope,
    /// Keys below `repos.<id>.`, e.g. `model`, `email`.
    pub keys: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: BTreeMap<String, RepoChange>,
    /// Server-scope keys that differ (`execution.max_concurrent`, ...).
    pub server: Vec<&'static str>,
}

impl ConfigDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.server.is_empty()
    }
}

/// Server keys applied without a restart: the limiter is resized, the
/// others are read where they are used.
pub const LIVE_SERVER_KEYS: &[&str] = &[
    "execution.max_concurrent",
    "execution.shutdown_timeout",
    "execution.conversation_max_age_days",
    "execution.image_prune",
];

pub fn diff(old: &ServerConfig, new: &ServerConfig) -> ConfigDiff {
    let mut out = ConfigDiff {
        server: server_changes(old, new),
        ..ConfigDiff::default()
    };
    for (id, repo) in &new.repos {
        match old.repos.get(id) {
            None => out.added.push(id.clone()),
            Some(before) => {
                let mut keys = repo_changes(before, repo);
                // the global binary is the default of every repo without its own
                if old.claude_binary != new.claude_binary
                    && repo.claude_binary.is_none()
                    && !keys.contains(&"claude_binary")
                {
                    keys.push("claude_binary");
                }
                if !keys.is_empty() {
                    let scope = if keys.iter().any(|k| repo_key_scope(k) == ReloadScope::Repo) {
                        ReloadScope::Repo
                    } else {
                        ReloadScope::Task
                    };
                    out.changed.insert(id.clone(), RepoChange { scope, keys });
                }
            }
        }
    }
    out.removed = old
        .repos
        .keys()
        .filter(|id| !new.repos.contains_key(*id))
        .cloned()
        .collect();
    out
}

/// Server-scope keys whose values differ. The global `claude_binary` is
/// task scope and shows up per repo instead.
pub fn server_changes(old: &ServerConfig, new: &ServerConfig) -> Vec<&'static str> {
    let (oe, ne) = (&old.execution, &new.execution);
    let (od, nd) = (&old.dashboard, &new.dashboard);
    let checks = [
        (
            "execution.max_concurrent",
            oe.max_concurrent != ne.max_concurrent,
        ),
        (
            "execution.shutdown_timeout",
            oe.shutdown_timeout != ne.shutdown_timeout,
        ),
        (
            "execution.conversation_max_age_days",
            oe.conversation_max_age_days != ne.conversation_max_age_days,
        ),
        ("execution.image_prune", oe.image_prune != ne.image_prune),
        ("dashboard.enabled", od.enabled != nd.enabled),
        ("dashboard.host", od.host != nd.host),
        ("dashboard.port", od.port != nd.port),
        ("dashboard.base_url", od.base_url != nd.base_url),
        ("dashboard.auth_token", od.auth_token != nd.auth_token),
        (
            "network.upstream_dns",
            old.network.upstream_dns != new.network.upstream_dns,
        ),
        (
            "network.upstream_hosts",
            old.network.upstream_hosts != new.network.upstream_hosts,
        ),
        ("container_host", old.container_host != new.container_host),
        (
            "container_command",
            old.container_command != new.container_command,
        ),
    ];
    checks
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
}

/// Keys of one repo whose values differ, in schema order.
pub fn repo_changes(old: &RepoConfig, new: &RepoConfig) -> Vec<&'static str> {
    let checks = [
        ("repo_url", old.repo_url != new.repo_url),
        ("model", old.model != new.model),
        ("effort", old.effort != new.effort),
        ("claude_version", old.claude_version != new.claude_version),
        ("claude_binary", old.claude_binary != new.claude_binary),
        ("container_path", old.container_path != new.container_path),
        (
            "network.sandbox_enabled",
            old.sandbox_enabled != new.sandbox_enabled,
        ),
        (
            "resource_limits",
            old.resource_limits != new.resource_limits,
        ),
        ("email", old.email != new.email),
        ("slack", old.slack != new.slack),
        ("secrets", old.secrets != new.secrets),
        ("masked_secrets", old.masked_secrets != new.masked_secrets),
        (
            "signing_credentials",
            old.signing_credentials != new.signing_credentials,
        ),
        (
            "github_app_credentials",
            old.github_app_credentials != new.github_app_credentials,
        ),
        ("schedules", old.schedules != new.schedules),
    ];
    checks
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
}

/// The scope of a key as [`repo_changes`] names it. Sections take the
/// widest scope of their leaves: `schedules` restarts the repo even when
/// only a schedule's `model` changed, which is safe and rare.
pub fn repo_key_scope(key: &str) -> ReloadScope {
    match key {
        "model"
        | "effort"
        | "claude_version"
        | "claude_binary"
        | "resource_limits"
        | "secrets"
        | "masked_secrets"
        | "signing_credentials"
        | "github_app_credentials" => ReloadScope::Task,
        _ => ReloadScope::Repo,
    }
}

/// The config the gateway runs after a reload: the new file's repos and
/// live server keys, and the running values of the server keys that need a
/// restart (returned too, so they can be reported rather than silently
/// accepted).
pub fn effective(running: &ServerConfig, file: &ServerConfig) -> (ServerConfig, Vec<&'static str>) {
    let mut next = file.clone();
    next.dashboard = running.dashboard.clone();
    next.network = running.network.clone();
    next.container_host = running.container_host.clone();
    next.container_command = running.container_command.clone();
    let restart = server_changes(running, file)
        .into_iter()
        .filter(|key| !LIVE_SERVER_KEYS.contains(key))
        .collect();
    (next, restart)
}

#[cfg(test)]
#[path = "reload_diff_tests.rs"]
mod tests;

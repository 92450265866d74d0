//! What the gateway builds once for all repos: the container engine, the
//! image cache, the network sandbox and the Claude binary cache, after
//! removing whatever a previous process of this instance left behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::GatewaySettings;
use crate::config::{RepoConfig, ServerConfig};
use crate::sandbox::claude_binary::{ClaudeBinaryCache, ClaudeCacheOptions, ClaudeSource};
use crate::sandbox::engine::{self, Engine};
use crate::sandbox::images::ImageCache;
use crate::sandbox::leftovers::{remove_leftover_containers, remove_leftover_networks};
use crate::sandbox::names::Names;
use crate::sandbox::network_sandbox::NetworkSandbox;
use crate::task_runner::TaskEnvironment;

/// Task images older than this are rebuilt (their base may have changed).
const MAX_IMAGE_AGE: Duration = Duration::from_secs(24 * 3600);

pub(super) async fn build_environment(
    settings: &GatewaySettings,
) -> Result<TaskEnvironment, String> {
    let config = &settings.config;
    let engine = engine::discover(config.container_host.as_deref())
        .await
        .map_err(|e| format!("container engine: {e}"))?;
    let names = Names::new(&settings.instance);
    remove_leftovers(&engine, &names).await;
    let images = Arc::new(ImageCache::new(
        engine.clone(),
        MAX_IMAGE_AGE,
        settings.state_dir.join("locks").join("images"),
    ));
    let network = if config.repos.values().any(|r| r.sandbox_enabled) {
        let sandbox = NetworkSandbox::prepare(
            engine.clone(),
            names.clone(),
            settings.airut_binary.clone(),
            settings.proxy_image.clone(),
            &settings.state_dir.join("run"),
        )
        .await
        .map_err(|e| format!("network sandbox: {e}"))?;
        Some(Arc::new(sandbox))
    } else {
        None
    };
    for repo in config.repos.values().filter(|r| !r.sandbox_enabled) {
        warn!(
            repo = repo.repo_id,
            "NETWORK SANDBOX DISABLED (network.sandbox_enabled: false): this repo's tasks have \
             unrestricted network access and its masked secrets are not swapped in"
        );
    }
    let overrides = &settings.overrides;
    let mut upstream_hosts = config.network.upstream_hosts.clone();
    upstream_hosts.extend(overrides.upstream_hosts.clone());
    Ok(TaskEnvironment {
        engine,
        names,
        images,
        network,
        store: settings.store.clone(),
        claude_binary: overrides.claude_binary.clone().unwrap_or_default(),
        extra_env: overrides.extra_env.clone(),
        upstream_hosts,
        upstream_ports: overrides.upstream_ports.clone(),
        upstream_dns: config.network.upstream_dns,
        upstream_extra_roots_pem: overrides.upstream_extra_roots_pem.clone(),
    })
}

/// Containers and per-task networks of this instance: a crash or kill -9
/// of the previous process leaves them; nothing of another instance is
/// touched.
pub(super) async fn remove_leftovers(engine: &Engine, names: &Names) {
    match remove_leftover_containers(engine, names).await {
        Ok(removed) if !removed.is_empty() => {
            info!(count = removed.len(), "leftover containers removed")
        }
        Ok(_) => {}
        Err(error) => warn!("removing leftover containers: {error}"),
    }
    match remove_leftover_networks(engine, names).await {
        Ok(removed) if !removed.is_empty() => {
            info!(count = removed.len(), "leftover networks removed")
        }
        Ok(_) => {}
        Err(error) => warn!("removing leftover networks: {error}"),
    }
}

/// The shared egress network, removed last on shutdown.
pub(super) async fn remove_egress(engine: &Engine, names: &Names) {
    let egress = format!("airut-{}-egress", names.instance());
    if let Err(error) = engine.docker.remove_network(&egress).await
        && !matches!(
            error,
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            }
        )
    {
        warn!(network = egress, "removing the egress network: {error}");
    }
}

pub(super) fn claude_cache(state_dir: &Path) -> Result<ClaudeBinaryCache, String> {
    ClaudeBinaryCache::open(
        state_dir.join("claude-binaries"),
        ClaudeCacheOptions::default(),
    )
    .map_err(|e| format!("Claude Code binary cache: {e}"))
}

/// The repo's Claude Code binary: the configured path (checked), else its
/// `claude_version`, downloaded and verified once.
pub(super) async fn claude_binary_for(
    cache: &ClaudeBinaryCache,
    config: &ServerConfig,
    repo: &RepoConfig,
    fallback: Option<&Path>,
) -> Result<PathBuf, String> {
    let source = match (config.claude_binary_for(&repo.repo_id), fallback) {
        (Some(path), _) => ClaudeSource::LocalBinary(path.to_path_buf()),
        (None, Some(path)) => ClaudeSource::LocalBinary(path.to_path_buf()),
        (None, None) => ClaudeSource::Version(repo.claude_version.clone()),
    };
    cache
        .ensure(&source)
        .await
        .map(|binary| binary.path)
        .map_err(|e| format!("Claude Code binary: {e}"))
}

/// Test and operator overrides of the task environment.
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    /// Used instead of downloading `claude_version` when the config names
    /// no binary.
    pub claude_binary: Option<PathBuf>,
    /// Added to every task's environment last.
    pub extra_env: Vec<(String, String)>,
    pub upstream_hosts: BTreeMap<String, std::net::IpAddr>,
    pub upstream_ports: BTreeMap<String, u16>,
    pub upstream_extra_roots_pem: Option<String>,
}

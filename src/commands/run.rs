//! `airut run`: start the gateway and stop it cleanly on SIGTERM/SIGINT.

use std::path::Path;

use airut_actors::config::{self, ServerConfig};
use airut_actors::state_dir;
use airut_actors::store::Store;
use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};
use tracing::{info, warn};

use crate::logging::LogRedaction;
use crate::web;

/// Exit status of `airut run`, documented in `--help` and doc/deployment.md.
pub enum RunOutcome {
    Stopped,
}

pub fn run(config_path: &Path, explicit: bool, redaction: &LogRedaction) -> Result<RunOutcome> {
    let config = load_config(config_path, explicit, redaction)?;
    let state_dir = state_dir::default_state_dir();
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("creating state directory {}", state_dir.display()))?;
    let store_dir = state_dir::store_dir(&state_dir);
    let store = Store::open(&store_dir)
        .with_context(|| format!("opening the state store at {}", store_dir.display()))?;
    info!(state_dir = %state_dir.display(), "state store open");

    let system = actix_web::rt::System::new();
    let outcome = system.block_on(serve(config, store.clone()));
    store.flush().context("flushing the state store")?;
    outcome
}

fn load_config(path: &Path, explicit: bool, redaction: &LogRedaction) -> Result<ServerConfig> {
    if !path.exists() && !explicit {
        info!(path = %path.display(), "no config file; running on built-in defaults");
        return Ok(ServerConfig::default());
    }
    let loaded = config::load(path)
        .map_err(|errors| anyhow::anyhow!("config {} is invalid:\n{errors}", path.display()))?;
    redaction.set(&loaded.secrets);
    for warning in &loaded.warnings {
        warn!(path = %path.display(), "{warning}");
    }
    info!(path = %path.display(), repos = loaded.config.repos.len(), "config loaded");
    Ok(loaded.config)
}

async fn serve(config: ServerConfig, _store: Store) -> Result<RunOutcome> {
    let mut sigterm = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut sigint = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;

    let server = if config.dashboard.enabled {
        let state = web::WebState {
            instance_id: instance_id(),
            started: std::time::Instant::now(),
            repo_count: config.repos.len(),
        };
        let (server, addrs) = web::start(&config.dashboard.host, config.dashboard.port, state)
            .with_context(|| {
                format!(
                    "binding the dashboard to {}:{} (dashboard.host / dashboard.port)",
                    config.dashboard.host, config.dashboard.port
                )
            })?;
        for addr in addrs {
            info!("dashboard listening on http://{addr}");
        }
        Some(server)
    } else {
        None
    };
    let handle = server.as_ref().map(|s| s.handle());
    if let Some(server) = server {
        actix_web::rt::spawn(server);
    }
    info!("gateway ready");

    let signal_name = tokio::select! {
        _ = sigterm.recv() => "SIGTERM",
        _ = sigint.recv() => "SIGINT",
    };
    info!(signal = signal_name, "stopping");
    if let Some(handle) = handle {
        handle.stop(true).await;
    }
    info!("stopped");
    Ok(RunOutcome::Stopped)
}

/// Distinguishes this process from the one before a restart (dashboard
/// clients use it to notice the restart).
fn instance_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{:x}", std::process::id(), nanos)
}

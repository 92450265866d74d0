//! `airut run`: start the gateway and stop it cleanly on SIGTERM/SIGINT.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use airut_actors::channel::ProductionChannels;
use airut_actors::gateway::{Gateway, GatewaySettings, Shutdown};
use airut_actors::hub::{self, Hub};

use airut_actors::config::{self, ServerConfig};
use airut_actors::state_dir;
use airut_actors::store::Store;
use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};
use tracing::{info, warn};

use crate::logging::LogRedaction;
use airut::web;

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
    let outcome = system.block_on(serve(config, state_dir, store.clone()));
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

async fn serve(config: ServerConfig, state_dir: PathBuf, store: Store) -> Result<RunOutcome> {
    let mut sigterm = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut sigint = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;

    let hub = Hub::new(store.clone()).start();
    let airut_binary = std::env::current_exe().context("locating the airut binary")?;
    let shutdown_timeout = config.execution.shutdown_timeout;
    let repo_count = config.repos.len();
    let dashboard = config.dashboard.clone();
    let (web_store, web_state_dir) = (store.clone(), state_dir.clone());
    let mut settings = GatewaySettings::new(
        config,
        state_dir,
        store,
        Arc::new(ProductionChannels),
        airut_binary,
    );
    settings.events = hub::sink(hub.clone());
    let gateway = Gateway::new(settings).start();

    let server = if dashboard.enabled {
        let state = web::WebState {
            instance_id: instance_id(),
            started: std::time::Instant::now(),
            repo_count,
            gateway: gateway.clone(),
            hub: hub.clone(),
            store: web_store,
            state_dir: web_state_dir,
            auth_token: dashboard.auth_token.clone(),
        };
        let (server, addrs) =
            web::start(&dashboard.host, dashboard.port, state).with_context(|| {
                format!(
                    "binding the dashboard to {}:{} (dashboard.host / dashboard.port)",
                    dashboard.host, dashboard.port
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

    let signal_name = tokio::select! {
        _ = sigterm.recv() => "SIGTERM",
        _ = sigint.recv() => "SIGINT",
    };
    info!(signal = signal_name, "stopping");
    // the drain time, the interrupted tasks' stop grace, and the teardown
    let limit = shutdown_timeout + Duration::from_secs(90);
    match tokio::time::timeout(limit, gateway.send(Shutdown)).await {
        Ok(Ok(report)) if report.abandoned > 0 => {
            warn!(
                tasks = report.abandoned,
                "some tasks did not stop; their containers are removed at the next start"
            )
        }
        Ok(Ok(_)) => {}
        Ok(Err(error)) => warn!("gateway shutdown: {error}"),
        Err(_) => warn!("gateway shutdown took longer than {limit:?}; stopping anyway"),
    }
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

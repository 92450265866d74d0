//! `airut run`: start the gateway, reload its config on a file change or
//! SIGHUP (`spec/config-reload.md`), and stop it cleanly on SIGTERM/SIGINT.
//! With `--resilient` an invalid config at start keeps the process up on
//! defaults with the error on the dashboard, until a fixed file loads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use airut_actors::channel::ProductionChannels;
use airut_actors::gateway::{
    ConfigOrigin, ConfigSource, Gateway, GatewaySettings, Reload, ReloadOutcome, Shutdown,
};
use airut_actors::hub::{self, Hub};

use airut_actors::config::{self, ServerConfig};
use airut_actors::state_dir;
use airut_actors::store::Store;
use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};
use tracing::{error, info, warn};

use super::config_watch::{self, ReloadTriggers};

use crate::logging::LogRedaction;
use airut::web;

/// Exit status of `airut run`, documented in `--help` and doc/deployment.md.
pub enum RunOutcome {
    Stopped,
}

/// `airut run` flags beyond the config path.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// An invalid config at start keeps the process up (systemd unit).
    pub resilient: bool,
    /// Watch the config file; off: reload on SIGHUP only.
    pub watch: bool,
}

pub fn run(
    config_path: &Path,
    explicit: bool,
    options: RunOptions,
    redaction: &LogRedaction,
) -> Result<RunOutcome> {
    let (config, origin) = startup_config(config_path, explicit, options.resilient, redaction)?;
    let state_dir = state_dir::default_state_dir();
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("creating state directory {}", state_dir.display()))?;
    let store_dir = state_dir::store_dir(&state_dir);
    let store = Store::open(&store_dir)
        .with_context(|| format!("opening the state store at {}", store_dir.display()))?;
    info!(state_dir = %state_dir.display(), "state store open");

    let system = actix_web::rt::System::new();
    let reload = ReloadInputs {
        path: config_path.to_path_buf(),
        watch: options.watch,
        redaction: redaction.clone(),
    };
    let outcome = system.block_on(serve(config, origin, reload, state_dir, store.clone()));
    store.flush().context("flushing the state store")?;
    outcome
}

/// The config to start with and where it came from. Invalid: an error,
/// or with `resilient` the defaults (and the file's own `dashboard:` as far
/// as it reads) plus the error to show.
fn startup_config(
    path: &Path,
    explicit: bool,
    resilient: bool,
    redaction: &LogRedaction,
) -> Result<(ServerConfig, ConfigOrigin)> {
    if !path.exists() && !explicit {
        info!(path = %path.display(), "no config file; running on built-in defaults");
        let origin = ConfigOrigin {
            sha256: None,
            error: None,
        };
        return Ok((ServerConfig::default(), origin));
    }
    match load_config(path, redaction) {
        ConfigSource::Loaded { config, sha256 } => {
            let origin = ConfigOrigin {
                sha256: Some(sha256),
                error: None,
            };
            Ok((*config, origin))
        }
        ConfigSource::Invalid { error } if resilient => {
            error!(
                "{}; --resilient: running on defaults with the dashboard showing the error \
                 until the file is fixed",
                error.replace(":\n", ": ").replace('\n', "; ")
            );
            let config = ServerConfig {
                dashboard: config::dashboard_fallback(path),
                ..ServerConfig::default()
            };
            let origin = ConfigOrigin {
                sha256: None,
                error: Some(error),
            };
            Ok((config, origin))
        }
        ConfigSource::Invalid { error } => Err(anyhow::anyhow!(error)),
    }
}

/// The whole load pipeline; errors become the text shown to the operator
/// (`key (line N): message` per problem, secrets never quoted).
fn load_config(path: &Path, redaction: &LogRedaction) -> ConfigSource {
    match config::load(path) {
        Ok(loaded) => {
            redaction.add(&loaded.secrets);
            for warning in &loaded.warnings {
                warn!(path = %path.display(), "{warning}");
            }
            info!(path = %path.display(), repos = loaded.config.repos.len(), "config loaded");
            ConfigSource::Loaded {
                config: Box::new(loaded.config),
                sha256: loaded.source_sha256,
            }
        }
        Err(errors) => ConfigSource::Invalid {
            error: redaction.redact(&format!("config {} is invalid:\n{errors}", path.display())),
        },
    }
}

struct ReloadInputs {
    path: PathBuf,
    watch: bool,
    redaction: LogRedaction,
}

/// Runs one reload per (coalesced) trigger, never two at once.
async fn reload_loop(
    mut triggers: ReloadTriggers,
    inputs: ReloadInputs,
    gateway: actix::Addr<Gateway>,
) {
    while let Some(trigger) = triggers.next().await {
        info!(cause = trigger.as_str(), path = %inputs.path.display(), "reloading the config");
        let (path, redaction) = (inputs.path.clone(), inputs.redaction.clone());
        let source = match tokio::task::spawn_blocking(move || load_config(&path, &redaction)).await
        {
            Ok(source) => source,
            Err(error) => ConfigSource::Invalid {
                error: format!("config reload failed: {error}"),
            },
        };
        match gateway.send(Reload(source)).await {
            Ok(ReloadOutcome::Applied { generation, .. }) => {
                info!(generation, "config reload done")
            }
            Ok(ReloadOutcome::Rejected | ReloadOutcome::Ignored) => {}
            Err(_) => return,
        }
    }
}

async fn serve(
    config: ServerConfig,
    origin: ConfigOrigin,
    reload: ReloadInputs,
    state_dir: PathBuf,
    store: Store,
) -> Result<RunOutcome> {
    let mut sigterm = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut sigint = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;

    // The hub counts finished tasks' proxy decisions for /metrics from
    // their network logs under the state directory.
    let hub = Hub::new(store.clone())
        .with_network_logs(state_dir.clone())
        .start();
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
    gateway.do_send(origin);
    let triggers = config_watch::start(&reload.path, reload.watch)?;
    actix_web::rt::spawn(reload_loop(triggers, reload, gateway.clone()));

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

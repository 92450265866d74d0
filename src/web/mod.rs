//! The HTTP side of the gateway: `/api/health` and `/api/version` (which
//! the CLI and service checks rely on), the JSON API and WebSocket
//! (`api/`), and the dashboard pages (`pages/`).

pub mod api;
pub mod ids;
pub mod metrics;
pub mod pages;

use actix_web::{App, HttpResponse, HttpServer, dev::Server, web};
use airut_actors::gateway::{Gateway, GatewayState, GetGatewayState};
use airut_actors::hub::{BootPhase, RepoStatus};
use serde::Serialize;

/// What the web layer needs to know about the running gateway.
#[derive(Clone)]
pub struct WebState {
    /// Distinguishes this process from the one before a restart.
    pub instance_id: String,
    pub started: std::time::Instant,
    pub repo_count: usize,
    pub gateway: actix::Addr<Gateway>,
    /// The live snapshot and event stream.
    pub hub: actix::Addr<airut_actors::hub::Hub>,
    /// Task and conversation records (history beyond the hub's snapshot).
    pub store: airut_actors::store::Store,
    /// `<state>/<repo>/conversations/<id>/` holds `events.jsonl` and the
    /// network log.
    pub state_dir: std::path::PathBuf,
    /// `dashboard.auth_token`: required on every request when set.
    pub auth_token: Option<airut_actors::config::Secret>,
}

#[derive(Serialize)]
struct Version {
    version: &'static str,
    instance_id: String,
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    boot: BootPhase,
    uptime_secs: u64,
    repos: usize,
    live_repos: usize,
    /// Why the config file on disk is not running (invalid at start with
    /// `--resilient`, or an invalid edit); absent when it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    config_error: Option<String>,
}

/// `booting` until every repo has been tried once, `ok` when no repo is
/// failing (also with no repos: a dashboard-only gateway is healthy),
/// `degraded` while any repo is failing, `stopping` during shutdown.
fn health_status(state: &GatewayState) -> &'static str {
    match state.boot {
        BootPhase::Ready => {
            if state
                .repos
                .values()
                .any(|s| matches!(s, RepoStatus::Failed { .. }))
            {
                "degraded"
            } else {
                "ok"
            }
        }
        BootPhase::ShuttingDown => "stopping",
        _ => "booting",
    }
}

async fn version(state: web::Data<WebState>) -> HttpResponse {
    HttpResponse::Ok().json(Version {
        version: env!("CARGO_PKG_VERSION"),
        instance_id: state.instance_id.clone(),
    })
}

async fn health(state: web::Data<WebState>) -> HttpResponse {
    let Ok(gateway) = state.gateway.send(GetGatewayState).await else {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "stopped"}));
    };
    let reload = state
        .gateway
        .send(airut_actors::gateway::GetReloadStatus)
        .await
        .ok();
    // on defaults because the file is invalid: nothing configured runs
    let status = match &reload {
        Some(r) if r.running_on_defaults => "config_error",
        _ => health_status(&gateway),
    };
    HttpResponse::Ok().json(Health {
        status,
        boot: gateway.boot,
        uptime_secs: state.started.elapsed().as_secs(),
        repos: gateway.repos.len(),
        live_repos: gateway
            .repos
            .values()
            .filter(|s| **s == RepoStatus::Live)
            .count(),
        config_error: reload.and_then(|r| r.last_reload_error),
    })
}

/// Binds and starts the server. Signals are ours to handle (graceful
/// gateway shutdown comes first), so actix-web's own handlers are off.
/// Returns the server and the addresses it is bound to (port 0 picks one).
pub fn start(
    host: &str,
    port: u16,
    state: WebState,
) -> std::io::Result<(Server, Vec<std::net::SocketAddr>)> {
    let has_token = state.auth_token.as_ref().is_some_and(|t| !t.is_empty());
    if !api::security::bind_allowed(host, has_token) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing to serve the dashboard on {host}, which is not a loopback address, \
                 without dashboard.auth_token"
            ),
        ));
    }
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(api::security::guard))
            .route("/api/version", web::get().to(version))
            .route("/api/health", web::get().to(health))
            .route("/metrics", web::get().to(metrics::metrics))
            .configure(api::configure)
            .configure(pages::configure)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .bind((host, port))?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}

//! A connection to the container engine (Podman or Docker) over the Docker
//! Engine API, and which engine it turned out to be.

use std::fmt;
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};
use thiserror::Error;

use super::engine_endpoints::{DiscoveryInput, EngineEndpoint, candidate_endpoints};

/// Seconds bollard waits for one API call before giving up. Long enough for
/// an image build step, which the build calls override anyway.
const API_TIMEOUT_SECS: u64 = 120;
/// How long discovery waits for an endpoint to answer `/_ping`.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Podman,
    Docker,
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EngineKind::Podman => "Podman",
            EngineKind::Docker => "Docker",
        })
    }
}

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(
        "no container engine socket found (set DOCKER_HOST or container_host, or start `podman system service`)"
    )]
    NoEndpoint,
    #[error("container engine at {url} ({source_name}) did not answer: {reason}")]
    Unreachable {
        url: String,
        source_name: String,
        reason: String,
    },
    #[error("unsupported container engine URL {0} (use unix://, tcp:// or http://)")]
    UnsupportedUrl(String),
}

/// A live engine connection.
#[derive(Clone)]
pub struct Engine {
    pub docker: Docker,
    pub kind: EngineKind,
    pub version: String,
    pub api_version: String,
    pub endpoint: EngineEndpoint,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("kind", &self.kind)
            .field("version", &self.version)
            .field("endpoint", &self.endpoint.url)
            .finish()
    }
}

/// Finds the engine from the process environment and `container_host`.
pub async fn discover(container_host: Option<&str>) -> Result<Engine, EngineError> {
    let docker_host = std::env::var("DOCKER_HOST").ok();
    let runtime_dir = std::env::var("XDG_RUNTIME_DIR").ok();
    let input = DiscoveryInput {
        docker_host: docker_host.as_deref(),
        container_host,
        xdg_runtime_dir: runtime_dir.as_deref(),
        uid: current_uid(),
    };
    let endpoints = candidate_endpoints(&input, |p| std::path::Path::new(p).exists());
    let mut last_error = None;
    for endpoint in endpoints {
        match connect(&endpoint).await {
            Ok(engine) => return Ok(engine),
            Err(err) => last_error = Some(err),
        }
    }
    Err(last_error.unwrap_or(EngineError::NoEndpoint))
}

/// Connects to one endpoint and asks it what it is.
pub async fn connect(endpoint: &EngineEndpoint) -> Result<Engine, EngineError> {
    let unreachable = |reason: String| EngineError::Unreachable {
        url: endpoint.url.clone(),
        source_name: endpoint.source.to_string(),
        reason,
    };
    let docker = if endpoint.url.starts_with("unix://") {
        Docker::connect_with_unix(&endpoint.url, API_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else if endpoint.url.starts_with("tcp://") || endpoint.url.starts_with("http://") {
        Docker::connect_with_http(&endpoint.url, API_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else {
        return Err(EngineError::UnsupportedUrl(endpoint.url.clone()));
    }
    .map_err(|e| unreachable(e.to_string()))?;
    let version = tokio::time::timeout(PING_TIMEOUT, docker.version())
        .await
        .map_err(|_| unreachable(format!("no answer within {}s", PING_TIMEOUT.as_secs())))?
        .map_err(|e| unreachable(e.to_string()))?;
    // Podman lists itself as a component named "Podman Engine"; Docker as
    // "Engine". The top-level version of Podman's compat API is its own.
    let is_podman = version
        .components
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|c| c.name.to_ascii_lowercase().contains("podman"));
    Ok(Engine {
        docker,
        kind: if is_podman {
            EngineKind::Podman
        } else {
            EngineKind::Docker
        },
        version: version.version.unwrap_or_else(|| "unknown".into()),
        api_version: version.api_version.unwrap_or_else(|| "unknown".into()),
        endpoint: endpoint.clone(),
    })
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's user: the uid without unsafe libc.
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

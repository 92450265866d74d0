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
    if let Some(headers) = super::podman_api::ping_headers(&endpoint.url, PING_TIMEOUT).await
        && let Some(identity) = identify_from_ping(&headers)
    {
        return Ok(Engine {
            docker,
            kind: identity.kind,
            version: identity.version,
            api_version: identity.api_version,
            endpoint: endpoint.clone(),
        });
    }
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

/// What an engine says about itself in its `/_ping` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingIdentity {
    pub kind: EngineKind,
    pub version: String,
    pub api_version: String,
}

/// `Server: Libpod/4.3.1 (linux)` is Podman, `Server: Docker/24.0.7
/// (linux)` Docker; `Api-Version` is the compatible API's version.
/// `None` when the headers do not say.
pub fn identify_from_ping(headers: &[(String, String)]) -> Option<PingIdentity> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let server = header("server")?;
    let (product, rest) = server.split_once('/')?;
    let version = rest.split_whitespace().next()?.to_string();
    let kind = match product.to_ascii_lowercase().as_str() {
        "libpod" => EngineKind::Podman,
        "docker" => EngineKind::Docker,
        _ => return None,
    };
    Some(PingIdentity {
        kind,
        version,
        api_version: header("api-version").unwrap_or("unknown").to_string(),
    })
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's user: the uid without unsafe libc.
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

#[cfg(test)]
mod ping_tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn podman_and_docker_are_told_apart_by_the_server_header() {
        let podman = identify_from_ping(&headers(&[
            ("server", "Libpod/4.3.1 (linux)"),
            ("api-version", "1.41"),
            ("libpod-api-version", "4.3.1"),
        ]));
        assert_eq!(
            podman,
            Some(PingIdentity {
                kind: EngineKind::Podman,
                version: "4.3.1".into(),
                api_version: "1.41".into()
            })
        );
        let docker = identify_from_ping(&headers(&[
            ("Server", "Docker/24.0.7 (linux)"),
            ("Api-Version", "1.43"),
        ]));
        assert_eq!(
            docker.map(|d| (d.kind, d.version)),
            Some((EngineKind::Docker, "24.0.7".into()))
        );
    }

    #[test]
    fn unknown_servers_fall_back_to_the_version_call() {
        assert_eq!(
            identify_from_ping(&headers(&[("server", "nginx/1.2")])),
            None
        );
        assert_eq!(
            identify_from_ping(&headers(&[("api-version", "1.41")])),
            None
        );
        assert_eq!(identify_from_ping(&[]), None);
    }
}

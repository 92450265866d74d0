//! Where to look for a Docker-compatible engine API, without touching it.
//!
//! Pure: the caller supplies the environment and a way to test whether a path
//! exists, so the precedence rules are unit-tested.

use std::fmt;
use std::path::PathBuf;

/// Why an endpoint is on the list; shown by `airut check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// `DOCKER_HOST` in the environment.
    DockerHostEnv,
    /// `container_host` in the server config.
    Config,
    /// A standard socket location that exists on this machine.
    Standard,
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointSource::DockerHostEnv => "DOCKER_HOST",
            EndpointSource::Config => "container_host",
            EndpointSource::Standard => "standard location",
        })
    }
}

/// A place an engine API may answer: `unix:///path`, `tcp://host:port` or
/// `http://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEndpoint {
    pub url: String,
    pub source: EndpointSource,
}

/// What endpoint discovery looks at.
pub struct DiscoveryInput<'a> {
    pub docker_host: Option<&'a str>,
    pub container_host: Option<&'a str>,
    pub xdg_runtime_dir: Option<&'a str>,
    pub uid: u32,
}

/// The endpoints to try, in order.
///
/// An explicit choice (`DOCKER_HOST`, then `container_host`) is the only
/// candidate: silently falling back to another engine would run tasks
/// somewhere the operator did not ask for. Without one, the standard sockets
/// that exist are tried, Podman's first (it is what Airut is tested on).
pub fn candidate_endpoints(
    input: &DiscoveryInput<'_>,
    exists: impl Fn(&str) -> bool,
) -> Vec<EngineEndpoint> {
    if let Some(url) = input.docker_host.filter(|s| !s.trim().is_empty()) {
        return vec![EngineEndpoint {
            url: normalise(url),
            source: EndpointSource::DockerHostEnv,
        }];
    }
    if let Some(url) = input.container_host.filter(|s| !s.trim().is_empty()) {
        return vec![EngineEndpoint {
            url: normalise(url),
            source: EndpointSource::Config,
        }];
    }
    let runtime_dir = input
        .xdg_runtime_dir
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", input.uid)));
    let mut paths = Vec::new();
    if input.uid == 0 {
        paths.push(PathBuf::from("/run/podman/podman.sock"));
    }
    paths.push(runtime_dir.join("podman/podman.sock"));
    paths.push(PathBuf::from("/var/run/docker.sock"));
    paths.push(runtime_dir.join("docker.sock"));
    let mut seen = Vec::new();
    for path in paths {
        let path = path.display().to_string();
        if exists(&path) && !seen.contains(&path) {
            seen.push(path);
        }
    }
    seen.into_iter()
        .map(|path| EngineEndpoint {
            url: format!("unix://{path}"),
            source: EndpointSource::Standard,
        })
        .collect()
}

/// A bare path is taken as a Unix socket.
fn normalise(url: &str) -> String {
    let url = url.trim();
    if url.starts_with('/') {
        format!("unix://{url}")
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        docker_host: Option<&'a str>,
        container_host: Option<&'a str>,
    ) -> DiscoveryInput<'a> {
        DiscoveryInput {
            docker_host,
            container_host,
            xdg_runtime_dir: Some("/run/user/1000"),
            uid: 1000,
        }
    }

    #[test]
    fn docker_host_wins_and_is_alone() {
        let got = candidate_endpoints(
            &input(Some("unix:///tmp/x.sock"), Some("unix:///tmp/y.sock")),
            |_| true,
        );
        assert_eq!(
            got,
            vec![EngineEndpoint {
                url: "unix:///tmp/x.sock".into(),
                source: EndpointSource::DockerHostEnv
            }]
        );
    }

    #[test]
    fn config_used_when_no_docker_host() {
        let got = candidate_endpoints(&input(Some("  "), Some("/srv/podman.sock")), |_| true);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].url, "unix:///srv/podman.sock");
        assert_eq!(got[0].source, EndpointSource::Config);
    }

    #[test]
    fn standard_locations_only_when_present_podman_first() {
        let got = candidate_endpoints(&input(None, None), |p| {
            p == "/var/run/docker.sock" || p == "/run/user/1000/podman/podman.sock"
        });
        let urls: Vec<_> = got.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "unix:///run/user/1000/podman/podman.sock",
                "unix:///var/run/docker.sock"
            ]
        );
    }

    #[test]
    fn root_looks_at_the_system_podman_socket() {
        let got = candidate_endpoints(
            &DiscoveryInput {
                docker_host: None,
                container_host: None,
                xdg_runtime_dir: None,
                uid: 0,
            },
            |p| p == "/run/podman/podman.sock",
        );
        assert_eq!(got[0].url, "unix:///run/podman/podman.sock");
    }

    #[test]
    fn nothing_present_is_empty() {
        assert!(candidate_endpoints(&input(None, None), |_| false).is_empty());
    }
}

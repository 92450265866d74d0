//! What the gateway tells a proxy, as one JSON document on its stdin (no
//! secret ever touches a file).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::masking::MaskedSecret;
use crate::policy::Allowlist;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProxyConfig {
    /// The proxy's address on the task network: every DNS A answer.
    pub proxy_ip: Ipv4Addr,
    /// Tags every network log line.
    pub task_id: String,
    pub allowlist: Allowlist,
    #[serde(default)]
    pub masked_secrets: Vec<MaskedSecret>,
    /// Fixed upstream addresses by host name (`network.upstream_hosts`):
    /// internal services, split DNS, and the tests' own servers.
    #[serde(default)]
    pub upstream_hosts: BTreeMap<String, IpAddr>,
    /// Upstream ports by host name, replacing 443/80 (a local service, or a
    /// test's server, standing in for an allowlisted host). Not an
    /// airut.yaml key.
    #[serde(default)]
    pub upstream_ports: BTreeMap<String, u16>,
    /// Resolver for allowed upstream names; `None` uses the system's.
    #[serde(default)]
    pub upstream_dns: Option<SocketAddr>,
    /// The CA that signs the per-host leaf certificates (PEM).
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    /// Extra roots trusted for upstream TLS (PEM), beside the public ones.
    #[serde(default)]
    pub upstream_extra_roots_pem: Option<String>,
    pub listen: ListenConfig,
    /// The network log (JSON lines), appended to.
    pub log_path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenConfig {
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub dns: SocketAddr,
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            http: SocketAddr::from(([0, 0, 0, 0], 80)),
            https: SocketAddr::from(([0, 0, 0, 0], 443)),
            dns: SocketAddr::from(([0, 0, 0, 0], 53)),
        }
    }
}

/// The line the proxy prints on stdout once every listener is bound; the
/// gateway starts the task container only after reading it.
pub const READY_LINE: &str = "AIRUT-PROXY-READY";

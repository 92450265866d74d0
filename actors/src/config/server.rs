//! Top-level config: global settings and the `repos:` map (C-3), plus the
//! keys this project adds (`claude_binary`, `container_host`,
//! `network.upstream_hosts`, `dashboard.auth_token`).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::diagnostics::Diagnostics;
use super::env_source::EnvSource;
use super::fields::{Field, IntRange, Section, echo, entry_field};
use super::paths::expand_tilde;
use super::repo::{RepoConfig, parse_repo};
use super::secret::Secret;
use super::yaml_tree::{Mapping, Node, Origin};

/// The whole server configuration, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    pub execution: ExecutionConfig,
    pub dashboard: DashboardConfig,
    pub network: NetworkConfig,
    /// Local Claude Code binary bind-mounted into containers; when set (here
    /// or per repo) nothing is downloaded.
    pub claude_binary: Option<PathBuf>,
    /// Docker/Podman API endpoint, e.g. `unix:///run/podman/podman.sock`;
    /// `None` means the runtime's default socket.
    pub container_host: Option<String>,
    /// Container CLI name (hidden; tests point it at a fake runtime).
    pub container_command: String,
    pub repos: BTreeMap<String, RepoConfig>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionConfig {
    /// Global limit on concurrently running task containers.
    pub max_concurrent: usize,
    /// How long shutdown waits for running tasks.
    pub shutdown_timeout: Duration,
    /// Conversations older than this are garbage-collected.
    pub conversation_max_age_days: u32,
    /// Prune dangling images during garbage collection.
    pub image_prune: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardConfig {
    pub enabled: bool,
    /// Bind address.
    pub host: String,
    pub port: u16,
    /// Public URL used in links (`<base_url>/conversation/<id>`), without a
    /// trailing slash.
    pub base_url: Option<String>,
    /// When set, the dashboard requires this bearer token.
    pub auth_token: Option<Secret>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetworkConfig {
    /// Upstream resolver of the proxy (port 53 unless given); `None` means
    /// the first nameserver of `/etc/resolv.conf`.
    pub upstream_dns: Option<SocketAddr>,
    /// Fixed answers for upstream host names (lower-case), consulted before
    /// DNS: handy for split-horizon names and tests.
    pub upstream_hosts: BTreeMap<String, IpAddr>,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        Self {
            max_concurrent: 3,
            shutdown_timeout: Duration::from_secs(60),
            conversation_max_age_days: 7,
            image_prune: true,
        }
    }
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            host: "127.0.0.1".to_owned(),
            port: 5200,
            base_url: None,
            auth_token: None,
        }
    }
}

/// The configuration used when no file exists: dashboard on
/// 127.0.0.1:5200, no repos.
impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            execution: ExecutionConfig::default(),
            dashboard: DashboardConfig::default(),
            network: NetworkConfig::default(),
            claude_binary: None,
            container_host: None,
            container_command: DEFAULT_CONTAINER_COMMAND.to_owned(),
            repos: BTreeMap::new(),
        }
    }
}

impl ServerConfig {
    /// The Claude binary for `repo_id`: the repo's own, else the global one.
    pub fn claude_binary_for(&self, repo_id: &str) -> Option<&Path> {
        self.repos
            .get(repo_id)
            .and_then(|r| r.claude_binary.as_deref())
            .or(self.claude_binary.as_deref())
    }
}

const DEFAULT_CONTAINER_COMMAND: &str = "podman";

const TOP_LEVEL_KEYS: &[&str] = &[
    "config_version",
    "execution",
    "dashboard",
    "network",
    "claude_binary",
    "container_host",
    "container_command",
    "repos",
];

const TOP_LEVEL_MOVED: &[(&str, &str)] = &[(
    "resource_limits",
    "top-level resource_limits was replaced in config_version 3: set `resource_limits` per repo \
     (share values with `vars:` and `!var`)",
)];

/// Reads the resolved, migrated tree into a `ServerConfig`.
pub(crate) fn parse_server(root: &Mapping, env: &EnvSource, d: &mut Diagnostics) -> ServerConfig {
    let top = Section::with_moved(String::new(), 1, root, TOP_LEVEL_KEYS, TOP_LEVEL_MOVED, d);
    let defaults = ServerConfig::default();
    let mut repos = BTreeMap::new();
    let repos_field = top.field("repos");
    for entry in repos_field.entries(d) {
        if let Some(repo) = parse_repo(&entry_field("repos", entry), env, d) {
            repos.insert(entry.key.clone(), repo);
        }
    }
    let config = ServerConfig {
        execution: parse_execution(&top.field("execution"), d),
        dashboard: parse_dashboard(&top.field("dashboard"), d),
        network: parse_network(&top.field("network"), d),
        claude_binary: absolute_path(&top.field("claude_binary"), env, d),
        container_host: container_host(&top.field("container_host"), d),
        container_command: top
            .field("container_command")
            .str_or(d, &defaults.container_command),
        repos,
    };
    check_unique_inboxes(&config, root, d);
    config
}

fn parse_execution(field: &Field<'_>, d: &mut Diagnostics) -> ExecutionConfig {
    let def = ExecutionConfig::default();
    let Some(s) = field.section(
        d,
        &[
            "max_concurrent",
            "shutdown_timeout",
            "conversation_max_age_days",
            "image_prune",
        ],
    ) else {
        return def;
    };
    ExecutionConfig {
        max_concurrent: s
            .field("max_concurrent")
            .opt_uint(d, 1)
            .unwrap_or(def.max_concurrent),
        shutdown_timeout: s
            .field("shutdown_timeout")
            .opt_uint(d, 1)
            .map_or(def.shutdown_timeout, Duration::from_secs),
        conversation_max_age_days: s
            .field("conversation_max_age_days")
            .opt_uint(d, 1)
            .unwrap_or(def.conversation_max_age_days),
        image_prune: s.field("image_prune").bool_or(d, def.image_prune),
    }
}

fn parse_dashboard(field: &Field<'_>, d: &mut Diagnostics) -> DashboardConfig {
    let def = DashboardConfig::default();
    let Some(s) = field.section(d, &["enabled", "host", "port", "base_url", "auth_token"]) else {
        return def;
    };
    DashboardConfig {
        enabled: s.field("enabled").bool_or(d, def.enabled),
        host: s.field("host").str_or(d, &def.host),
        port: port(&s.field("port"), d, def.port),
        base_url: s
            .field("base_url")
            .opt_str(d)
            .map(|u| u.trim_end_matches('/').to_owned()),
        auth_token: s.field("auth_token").opt_secret(d),
    }
}

/// A TCP port, 1..65535.
pub(crate) fn port(field: &Field<'_>, d: &mut Diagnostics, default: u16) -> u16 {
    field
        .opt_int(d, IntRange::Between(1, 65535))
        .and_then(|v| u16::try_from(v).ok())
        .unwrap_or(default)
}

fn parse_network(field: &Field<'_>, d: &mut Diagnostics) -> NetworkConfig {
    let Some(s) = field.section(d, &["upstream_dns", "upstream_hosts"]) else {
        return NetworkConfig::default();
    };
    let dns_field = s.field("upstream_dns");
    let upstream_dns = dns_field.opt_str(d).and_then(|text| {
        let parsed = text.parse::<SocketAddr>().ok().or_else(|| {
            text.parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, 53))
        });
        if parsed.is_none() {
            d.error(
                &dns_field.path,
                dns_field.line(),
                format!(
                    "expected an IP address (optionally with :port), got {}",
                    echo(&text, &Origin::Plain)
                ),
            );
        }
        parsed
    });
    let hosts_field = s.field("upstream_hosts");
    let mut upstream_hosts = BTreeMap::new();
    for entry in hosts_field.entries(d) {
        let f = entry_field(&hosts_field.path, entry);
        let name = entry.key.to_ascii_lowercase();
        if !is_host_name(&name) {
            d.error(
                &f.path,
                entry.key_line,
                "expected a host name such as api.example.com",
            );
            continue;
        }
        let Some(text) = f.req_str(d) else { continue };
        match text.parse::<IpAddr>() {
            Ok(ip) => {
                if upstream_hosts.insert(name, ip).is_some() {
                    d.error(
                        &f.path,
                        entry.key_line,
                        "host listed twice (names are case-insensitive)",
                    );
                }
            }
            Err(_) => d.error(
                &f.path,
                f.line(),
                format!(
                    "expected an IPv4 or IPv6 address, got {}",
                    echo(&text, &Origin::Plain)
                ),
            ),
        }
    }
    NetworkConfig {
        upstream_dns,
        upstream_hosts,
    }
}

fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// An optional path; `~/` is expanded and the result must be absolute
/// (a relative binary path would depend on the server's working directory).
pub(crate) fn absolute_path(
    field: &Field<'_>,
    env: &EnvSource,
    d: &mut Diagnostics,
) -> Option<PathBuf> {
    let text = field.opt_str(d)?;
    let path = expand_tilde(&text, env);
    if !path.is_absolute() {
        d.error(
            &field.path,
            field.line(),
            "expected an absolute path (or one starting with ~/)",
        );
        return None;
    }
    Some(path)
}

const CONTAINER_HOST_SCHEMES: [&str; 5] = ["unix://", "tcp://", "http://", "https://", "npipe://"];

fn container_host(field: &Field<'_>, d: &mut Diagnostics) -> Option<String> {
    let url = field.opt_str(d)?;
    let rest = CONTAINER_HOST_SCHEMES
        .iter()
        .find_map(|s| url.strip_prefix(s));
    let valid = match rest {
        Some(path) if url.starts_with("unix://") => path.starts_with('/'),
        Some(rest) => !rest.is_empty(),
        None => false,
    };
    if !valid {
        d.error(
            &field.path,
            field.line(),
            format!(
                "expected an API URL such as unix:///run/podman/podman.sock or tcp://host:2375, got {}",
                echo(&url, &Origin::Plain)
            ),
        );
        return None;
    }
    Some(url)
}

/// Two repos polling the same mailbox would steal each other's mail.
fn check_unique_inboxes(config: &ServerConfig, root: &Mapping, d: &mut Diagnostics) {
    let Some(repos) = root.get("repos").and_then(Node::as_map) else {
        return;
    };
    let mut seen: BTreeMap<(String, String), &str> = BTreeMap::new();
    // File order, so the error lands on the later of the two repos.
    for entry in &repos.entries {
        let id = entry.key.as_str();
        let Some(email) = config.repos.get(id).and_then(|r| r.email.as_ref()) else {
            continue;
        };
        let inbox = (
            email.imap.server.to_lowercase(),
            email.account.username.to_lowercase(),
        );
        let Some(first) = seen.get(&inbox) else {
            seen.insert(inbox, id);
            continue;
        };
        let line =
            line_of(&entry.value, &["email", "account", "username"]).unwrap_or(entry.key_line);
        d.error(
            &format!("repos.{id}.email.account.username"),
            line,
            format!(
                "repo `{first}` already reads the inbox {} on {}; each repo needs its own inbox",
                email.account.username, email.imap.server
            ),
        );
    }
}

/// Line of the value at `path` below `node`.
fn line_of(node: &Node, path: &[&str]) -> Option<usize> {
    path.iter()
        .try_fold(node, |n, key| n.as_map()?.get(key))
        .map(|n| n.line)
}

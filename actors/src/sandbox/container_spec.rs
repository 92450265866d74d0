//! What a task container looks like, turned into the engine's create body.
//! Pure: the security and limit settings are unit-tested here.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, HostConfigLogConfig};

/// A bind mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub host: String,
    pub container: String,
    pub read_only: bool,
}

impl Mount {
    pub fn rw(host: impl Into<String>, container: impl Into<String>) -> Mount {
        Mount {
            host: host.into(),
            container: container.into(),
            read_only: false,
        }
    }

    pub fn ro(host: impl Into<String>, container: impl Into<String>) -> Mount {
        Mount {
            host: host.into(),
            container: container.into(),
            read_only: true,
        }
    }

    fn bind(&self) -> String {
        let mode = if self.read_only { "ro" } else { "rw" };
        format!("{}:{}:{mode}", self.host, self.container)
    }
}

/// cgroup limits; `None` means the engine's default (unlimited).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub memory_bytes: Option<i64>,
    pub cpus: Option<f64>,
    pub pids: Option<i64>,
}

/// How the container reaches the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkAttachment {
    /// The engine's default network (sandbox off: unrestricted egress).
    Default,
    /// No network at all.
    None,
    /// A named network with a DNS server (the network sandbox's proxy).
    Network { name: String, dns: Vec<String> },
}

/// Everything needed to create one task container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
    pub working_dir: Option<String>,
    pub limits: Limits,
    pub network: NetworkAttachment,
    pub labels: HashMap<String, String>,
    /// Keep stdin open for the prompt.
    pub stdin: bool,
}

/// Capabilities a package manager needs (apt drops privileges to `_apt`,
/// chowns files, writes root-owned paths); everything else is dropped.
pub const KEPT_CAPABILITIES: [&str; 5] = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];

impl ContainerSpec {
    pub fn to_create_body(&self) -> ContainerCreateBody {
        let (network_mode, dns) = match &self.network {
            NetworkAttachment::Default => (None, None),
            NetworkAttachment::None => (Some("none".to_string()), None),
            NetworkAttachment::Network { name, dns } => (Some(name.clone()), Some(dns.clone())),
        };
        let host_config = HostConfig {
            binds: Some(self.mounts.iter().map(Mount::bind).collect()),
            cap_drop: Some(vec!["ALL".to_string()]),
            cap_add: Some(KEPT_CAPABILITIES.iter().map(|c| c.to_string()).collect()),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            memory: self.limits.memory_bytes,
            // Equal to memory: no swap, so the limit is a real limit.
            memory_swap: self.limits.memory_bytes,
            nano_cpus: self.limits.cpus.map(|c| (c * 1e9).round() as i64),
            pids_limit: self.limits.pids,
            network_mode,
            dns,
            // Output is read through attach; a log driver would only keep a
            // second copy (of possibly secret-bearing output) on disk.
            log_config: Some(HostConfigLogConfig {
                typ: Some("none".to_string()),
                config: None,
            }),
            ..Default::default()
        };
        ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: Some(self.cmd.clone()),
            env: Some(self.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            working_dir: self.working_dir.clone(),
            labels: Some(self.labels.clone()),
            attach_stdin: Some(self.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            open_stdin: Some(self.stdin),
            stdin_once: Some(self.stdin),
            tty: Some(false),
            host_config: Some(host_config),
            ..Default::default()
        }
    }
}

/// Parses the config's memory syntax (`512m`, `8g`, digits plus b/k/m/g).
pub fn parse_memory(text: &str) -> Option<i64> {
    let text = text.trim().to_ascii_lowercase();
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    let multiplier: i64 = match unit {
        "b" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return None,
    };
    let value: i64 = digits.parse().ok()?;
    value.checked_mul(multiplier).filter(|v| *v > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "airut-x-task-c-t".into(),
            image: "img:1".into(),
            cmd: vec!["/opt/claude/claude".into(), "-p".into(), "-".into()],
            env: vec![("IS_SANDBOX".into(), "1".into())],
            mounts: vec![
                Mount::rw("/s/ws", "/workspace"),
                Mount::ro("/bin/claude", "/opt/claude/claude"),
            ],
            working_dir: Some("/workspace".into()),
            limits: Limits {
                memory_bytes: Some(256 << 20),
                cpus: Some(1.5),
                pids: Some(100),
            },
            network: NetworkAttachment::Default,
            labels: HashMap::from([("airut.managed".into(), "true".into())]),
            stdin: true,
        }
    }

    #[test]
    fn security_settings() {
        let body = spec().to_create_body();
        let host = body.host_config.expect("host config");
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_string()]));
        assert_eq!(host.cap_add.expect("caps").len(), KEPT_CAPABILITIES.len());
        assert_eq!(
            host.security_opt,
            Some(vec!["no-new-privileges".to_string()])
        );
    }

    #[test]
    fn limits_without_swap() {
        let host = spec().to_create_body().host_config.expect("host config");
        assert_eq!(host.memory, Some(256 << 20));
        assert_eq!(host.memory_swap, Some(256 << 20));
        assert_eq!(host.nano_cpus, Some(1_500_000_000));
        assert_eq!(host.pids_limit, Some(100));
    }

    #[test]
    fn no_limits_means_none_set() {
        let mut s = spec();
        s.limits = Limits::default();
        let host = s.to_create_body().host_config.expect("host config");
        assert_eq!(
            (
                host.memory,
                host.memory_swap,
                host.nano_cpus,
                host.pids_limit
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn mounts_env_and_stdin() {
        let body = spec().to_create_body();
        assert_eq!(
            body.host_config.expect("host").binds,
            Some(vec![
                "/s/ws:/workspace:rw".to_string(),
                "/bin/claude:/opt/claude/claude:ro".to_string()
            ])
        );
        assert_eq!(body.env, Some(vec!["IS_SANDBOX=1".to_string()]));
        assert_eq!((body.open_stdin, body.stdin_once), (Some(true), Some(true)));
    }

    #[test]
    fn sandbox_network_sets_dns() {
        let mut s = spec();
        s.network = NetworkAttachment::Network {
            name: "airut-x-conv-c".into(),
            dns: vec!["10.0.0.2".into()],
        };
        let host = s.to_create_body().host_config.expect("host");
        assert_eq!(host.network_mode.as_deref(), Some("airut-x-conv-c"));
        assert_eq!(host.dns, Some(vec!["10.0.0.2".to_string()]));
    }

    #[test]
    fn memory_syntax() {
        assert_eq!(parse_memory("512m"), Some(512 << 20));
        assert_eq!(parse_memory("8G"), Some(8 << 30));
        assert_eq!(parse_memory("100b"), Some(100));
        assert_eq!(parse_memory("0m"), None);
        assert_eq!(parse_memory("12"), None);
        assert_eq!(parse_memory(""), None);
        assert_eq!(parse_memory("99999999999g"), None);
    }
}

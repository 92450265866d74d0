//! The network sandbox's topology: per task, an internal network with no
//! route out, and a proxy container (our own `airut proxy`) on it and on an
//! egress network. The task container sits only on the internal network with
//! the proxy as its DNS server, so everything it sends by name goes to the
//! proxy, and nothing else goes anywhere. A task never starts unproxied: any
//! step that fails tears down what was made and returns an error.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use airut_proxy::config::{ListenConfig, ProxyConfig, READY_LINE};
use airut_proxy::masking::MaskedSecret;
use airut_proxy::policy::Allowlist;
use bollard::container::LogOutput;
use bollard::models::{EndpointIpamConfig, EndpointSettings, NetworkingConfig};
use bollard::query_parameters::{AttachContainerOptionsBuilder, CreateContainerOptionsBuilder};
use futures_util::StreamExt;
use thiserror::Error;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::{debug, info, warn};

use super::container_run::remove;
use super::container_spec::{ContainerSpec, KEPT_CAPABILITIES, Limits, Mount, NetworkAttachment};
use super::engine::Engine;
use super::entrypoint::CA_CERT_PATH;
use super::firewall::{FirewallRule, drop_input_from};
use super::names::{Names, Role};
use super::podman_api;
use super::subnet_pool::SubnetPool;

/// How long a proxy may take to print its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
const API_TIMEOUT: Duration = Duration::from_secs(30);
/// Where the proxy writes the network log inside its container.
const PROXY_LOG_PATH: &str = "/var/log/airut/network.log";
const PROXY_BINARY_PATH: &str = "/usr/local/bin/airut";

#[derive(Debug, Error)]
pub enum NetworkError {
    #[error("network sandbox: {0}")]
    Setup(String),
    #[error("network sandbox: the proxy did not become ready: {0}")]
    NotReady(String),
    #[error("network sandbox: container engine: {0}")]
    Engine(#[from] bollard::errors::Error),
}

/// What a task's proxy enforces.
#[derive(Debug, Clone, Default)]
pub struct ProxySettings {
    pub allowlist: Allowlist,
    pub masked_secrets: Vec<MaskedSecret>,
    pub upstream_hosts: BTreeMap<String, IpAddr>,
    /// Upstream ports by host name instead of 443/80 (tests, local services).
    pub upstream_ports: BTreeMap<String, u16>,
    pub upstream_dns: Option<SocketAddr>,
    pub upstream_extra_roots_pem: Option<String>,
}

/// The parts shared by every task of one gateway (or CLI) process.
pub struct NetworkSandbox {
    engine: Engine,
    names: Names,
    airut_binary: PathBuf,
    proxy_image: String,
    ca_cert_pem: String,
    ca_key_pem: String,
    ca_cert_file: PathBuf,
    egress: String,
    subnets: Mutex<SubnetPool>,
    firewall: bool,
}

impl NetworkSandbox {
    /// Mints this process's CA (kept in memory; only the public certificate
    /// is written, to `runtime_dir`, for the task containers to trust) and
    /// makes sure the egress network exists.
    pub async fn prepare(
        engine: Engine,
        names: Names,
        airut_binary: PathBuf,
        proxy_image: String,
        runtime_dir: &Path,
    ) -> Result<NetworkSandbox, NetworkError> {
        let ca = airut_proxy::ca::generate_ca(&format!("Airut sandbox CA ({})", names.instance()))
            .map_err(|e| NetworkError::Setup(format!("CA: {e}")))?;
        create_private_dir(runtime_dir)?;
        let ca_cert_file = runtime_dir.join("proxy-ca.crt");
        std::fs::write(&ca_cert_file, &ca.cert_pem)
            .map_err(|e| NetworkError::Setup(format!("{}: {e}", ca_cert_file.display())))?;
        let egress = format!("airut-{}-egress", names.instance());
        let sandbox = NetworkSandbox {
            firewall: is_root(),
            engine,
            airut_binary,
            proxy_image,
            ca_cert_pem: ca.cert_pem.clone(),
            ca_key_pem: ca.key_pem.clone(),
            ca_cert_file,
            egress,
            subnets: Mutex::new(SubnetPool::new([10, 199])),
            names,
        };
        sandbox.ensure_egress().await?;
        Ok(sandbox)
    }

    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    async fn ensure_egress(&self) -> Result<(), NetworkError> {
        let body = serde_json::json!({
            "name": self.egress,
            "driver": "bridge",
            "internal": false,
            "dns_enabled": false,
            "labels": self.names.instance_labels(),
        });
        let response = self
            .libpod("POST", "/networks/create", Some(&body.to_string()))
            .await?;
        match response.status {
            200 | 201 => Ok(()),
            409 => Ok(()), // exists: shared by every task of this instance
            _ if response.body.contains("already") => Ok(()),
            status => Err(NetworkError::Setup(format!(
                "creating {}: {status} {}",
                self.egress, response.body
            ))),
        }
    }

    async fn libpod(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<podman_api::ApiResponse, NetworkError> {
        podman_api::request(&self.engine.endpoint.url, method, path, body, API_TIMEOUT)
            .await
            .ok_or_else(|| {
                NetworkError::Setup(format!(
                    "Podman's API did not answer {method} {path} at {} (the network sandbox needs Podman)",
                    self.engine.endpoint.url
                ))
            })
    }

    /// Starts the network and proxy for one task. `log_path` is the
    /// conversation's network log on the host (appended to).
    pub async fn open(
        &self,
        conversation: &str,
        task: &str,
        settings: &ProxySettings,
        log_path: &Path,
    ) -> Result<ProxySession, NetworkError> {
        let started = std::time::Instant::now();
        let (octet, network, interface) = self.create_internal_network(conversation, task).await?;
        let mut session = ProxySession {
            network,
            octet,
            proxy_ip: self.pool(|p| p.proxy_ip(octet)),
            container: self.names.container(Role::Proxy, conversation, task),
            stdin: None,
            firewall: None,
            ca_cert_file: self.ca_cert_file.clone(),
            closed: false,
        };
        match self
            .start_proxy(
                &mut session,
                &interface,
                conversation,
                task,
                settings,
                log_path,
            )
            .await
        {
            Ok(()) => {
                info!(
                    conversation,
                    task,
                    proxy_ip = %session.proxy_ip,
                    ms = started.elapsed().as_millis() as u64,
                    "network sandbox ready"
                );
                Ok(session)
            }
            Err(err) => {
                self.close(session).await;
                Err(err)
            }
        }
    }

    fn pool<T>(&self, f: impl FnOnce(&mut SubnetPool) -> T) -> T {
        let mut pool = self
            .subnets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut pool)
    }

    async fn create_internal_network(
        &self,
        conversation: &str,
        task: &str,
    ) -> Result<(u8, String, String), NetworkError> {
        let name = format!(
            "airut-{}-net-{}-{}",
            self.names.instance(),
            conversation,
            task
        );
        // A leftover of a crashed attempt with the same name goes first.
        let _ = self
            .libpod("DELETE", &format!("/networks/{name}?force=true"), None)
            .await;
        let mut labels = self.names.instance_labels();
        labels.insert(super::names::LABEL_CONVERSATION.into(), conversation.into());
        for _ in 0..254 {
            let Some(octet) = self.pool(SubnetPool::allocate) else {
                break;
            };
            let (subnet, gateway) = self.pool(|p| (p.subnet(octet), p.gateway(octet)));
            let body = serde_json::json!({
                "name": name,
                "driver": "bridge",
                "internal": true,
                // Podman's DNS server on the gateway address would answer
                // the task directly: a way around the proxy.
                "dns_enabled": false,
                "subnets": [{"subnet": subnet, "gateway": gateway.to_string()}],
                "labels": labels,
            });
            let response = self
                .libpod("POST", "/networks/create", Some(&body.to_string()))
                .await?;
            if response.status == 200 || response.status == 201 {
                let created: serde_json::Value =
                    serde_json::from_str(&response.body).unwrap_or_default();
                let interface = created["network_interface"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                return Ok((octet, name, interface));
            }
            self.pool(|p| p.release(octet));
            // Another network (ours or not) holds this subnet: try the next.
            if !(response.body.contains("subnet") || response.body.contains("already")) {
                return Err(NetworkError::Setup(format!(
                    "creating {name}: {} {}",
                    response.status, response.body
                )));
            }
        }
        Err(NetworkError::Setup(
            "no free subnet in 10.199.0.0/16".into(),
        ))
    }

    async fn start_proxy(
        &self,
        session: &mut ProxySession,
        interface: &str,
        conversation: &str,
        task: &str,
        settings: &ProxySettings,
        log_path: &Path,
    ) -> Result<(), NetworkError> {
        if self.firewall {
            session.firewall = Some(
                drop_input_from(interface)
                    .await
                    .map_err(NetworkError::Setup)?,
            );
        }
        if !log_path.exists() {
            std::fs::write(log_path, b"")
                .map_err(|e| NetworkError::Setup(format!("{}: {e}", log_path.display())))?;
        }
        let spec = ContainerSpec {
            name: session.container.clone(),
            image: self.proxy_image.clone(),
            cmd: vec![PROXY_BINARY_PATH.into(), "proxy".into()],
            env: vec![],
            mounts: vec![
                Mount::ro(self.airut_binary.display().to_string(), PROXY_BINARY_PATH),
                Mount::rw(log_path.display().to_string(), PROXY_LOG_PATH),
            ],
            working_dir: None,
            // The reference ran its proxy without limits (weakness 6).
            limits: Limits {
                memory_bytes: Some(256 << 20),
                cpus: None,
                pids: Some(256),
            },
            network: NetworkAttachment::Network {
                name: self.egress.clone(),
                dns: vec![],
            },
            labels: self.names.container_labels(Role::Proxy, conversation, task),
            stdin: true,
        };
        let mut body = spec.to_create_body();
        // Only what binding :53/:80/:443 needs.
        if let Some(host) = body.host_config.as_mut() {
            host.cap_add = Some(vec!["NET_BIND_SERVICE".into()]);
            debug_assert!(!KEPT_CAPABILITIES.contains(&"NET_BIND_SERVICE"));
        }
        // Entry point is the image's: the proxy image is a plain base image.
        body.entrypoint = Some(vec![]);
        body.networking_config = Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([
                (self.egress.clone(), EndpointSettings::default()),
                (
                    session.network.clone(),
                    EndpointSettings {
                        ipam_config: Some(EndpointIpamConfig {
                            ipv4_address: Some(session.proxy_ip.to_string()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ),
            ])),
        });
        let docker = &self.engine.docker;
        docker
            .create_container(
                Some(
                    CreateContainerOptionsBuilder::new()
                        .name(&session.container)
                        .build(),
                ),
                body,
            )
            .await?;
        let attach = docker
            .attach_container(
                &session.container,
                Some(
                    AttachContainerOptionsBuilder::new()
                        .stdin(true)
                        .stdout(true)
                        .stderr(true)
                        .stream(true)
                        .build(),
                ),
            )
            .await?;
        docker
            .start_container(
                &session.container,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await?;
        let mut stdin = attach.input;
        let config = ProxyConfig {
            proxy_ip: session.proxy_ip,
            task_id: task.to_string(),
            allowlist: settings.allowlist.clone(),
            masked_secrets: settings.masked_secrets.clone(),
            upstream_hosts: settings.upstream_hosts.clone(),
            upstream_ports: settings.upstream_ports.clone(),
            upstream_dns: settings.upstream_dns,
            ca_cert_pem: self.ca_cert_pem.clone(),
            ca_key_pem: self.ca_key_pem.clone(),
            upstream_extra_roots_pem: settings.upstream_extra_roots_pem.clone(),
            listen: ListenConfig::default(),
            log_path: PROXY_LOG_PATH.into(),
        };
        // Secrets travel on stdin only: never in a file, an env var or argv.
        let mut payload =
            serde_json::to_vec(&config).map_err(|e| NetworkError::Setup(e.to_string()))?;
        payload.push(b'\n');
        stdin
            .write_all(&payload)
            .await
            .map_err(|e| NetworkError::Setup(format!("proxy stdin: {e}")))?;
        stdin
            .flush()
            .await
            .map_err(|e| NetworkError::Setup(format!("proxy stdin: {e}")))?;
        // Kept open for the session: the proxy exits when it closes.
        session.stdin = Some(stdin);
        wait_ready(attach.output, &session.container).await
    }

    /// Stops the proxy, removes the network and the firewall rule. Safe to
    /// call on a half-started session.
    pub async fn close(&self, mut session: ProxySession) {
        session.closed = true;
        drop(session.stdin.take());
        let firewall = session.firewall.take();
        // The firewall rule is independent of the container and network,
        // which go in order (a network with a container attached stays).
        let engine_side = async {
            remove(&self.engine, &session.container).await;
            if let Err(err) = self
                .libpod(
                    "DELETE",
                    &format!("/networks/{}?force=true", session.network),
                    None,
                )
                .await
            {
                warn!(network = session.network, "network removal: {err}");
            }
        };
        let host_side = async {
            if let Some(rule) = firewall {
                rule.remove().await;
            }
        };
        tokio::join!(engine_side, host_side);
        self.pool(|p| p.release(session.octet));
    }
}

/// Reads the proxy's output until its ready line; afterwards its output goes
/// to the gateway's debug log.
async fn wait_ready(
    mut output: Pin<
        Box<dyn futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>,
    >,
    container: &str,
) -> Result<(), NetworkError> {
    let mut seen = String::new();
    let ready = tokio::time::timeout(READY_TIMEOUT, async {
        while let Some(item) = output.next().await {
            match item {
                Ok(LogOutput::StdOut { message }) | Ok(LogOutput::StdErr { message }) => {
                    seen.push_str(&String::from_utf8_lossy(&message));
                    if seen.lines().any(|l| l.trim() == READY_LINE) {
                        return true;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        false
    })
    .await;
    match ready {
        Ok(true) => {
            let name = container.to_string();
            tokio::spawn(async move {
                while let Some(Ok(item)) = output.next().await {
                    debug!(
                        proxy = name,
                        "{}",
                        String::from_utf8_lossy(&item.into_bytes()).trim_end()
                    );
                }
            });
            Ok(())
        }
        Ok(false) => Err(NetworkError::NotReady(format!(
            "it exited; its output:\n{}",
            tail(&seen)
        ))),
        Err(_) => Err(NetworkError::NotReady(format!(
            "no ready line within {} s; its output:\n{}",
            READY_TIMEOUT.as_secs(),
            tail(&seen)
        ))),
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// One task's proxy and network.
pub struct ProxySession {
    network: String,
    octet: u8,
    proxy_ip: Ipv4Addr,
    container: String,
    stdin: Option<Pin<Box<dyn AsyncWrite + Send>>>,
    firewall: Option<FirewallRule>,
    ca_cert_file: PathBuf,
    closed: bool,
}

impl ProxySession {
    pub fn proxy_ip(&self) -> Ipv4Addr {
        self.proxy_ip
    }

    pub fn network(&self) -> &str {
        &self.network
    }

    pub fn proxy_container(&self) -> &str {
        &self.container
    }

    /// The network attachment of the task container: the internal network
    /// only, the proxy as its only DNS server.
    pub fn task_attachment(&self) -> NetworkAttachment {
        NetworkAttachment::Network {
            name: self.network.clone(),
            dns: vec![self.proxy_ip.to_string()],
        }
    }

    /// The CA certificate mount (the entrypoint runs update-ca-certificates).
    pub fn task_mounts(&self) -> Vec<Mount> {
        vec![Mount::ro(
            self.ca_cert_file.display().to_string(),
            CA_CERT_PATH,
        )]
    }

    /// Variables that make Node, Python and curl trust the proxy's CA.
    pub fn task_env(&self) -> Vec<(String, String)> {
        [
            "NODE_EXTRA_CA_CERTS",
            "SSL_CERT_FILE",
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
        ]
        .iter()
        .map(|k| (k.to_string(), CA_CERT_PATH.to_string()))
        .collect()
    }
}

impl Drop for ProxySession {
    fn drop(&mut self) {
        if !self.closed {
            warn!(
                container = self.container,
                "proxy session dropped without close; start-up clean-up will remove it"
            );
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<(), NetworkError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)
        .map_err(|e| NetworkError::Setup(format!("{}: {e}", dir.display())))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| NetworkError::Setup(format!("{}: {e}", dir.display())))
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

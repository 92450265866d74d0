//! A scripted model server that sandboxed tasks reach through the proxy,
//! as `https://model.test`: the instance's egress network is prepared
//! first (its gateway is this host as the proxy sees it), and a test CA
//! issues the server's certificate, which the proxy is told to trust.

use std::path::{Path, PathBuf};

use airut_actors::gateway::GatewaySettings;
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::NetworkSandbox;

use super::gateway_fixture::{DOCKERFILE, GatewayFixture};
use super::test_pki::{TestPki, test_pki};

pub const MODEL_HOST: &str = "model.test";

pub struct SandboxedModelHost {
    /// Where the proxy reaches this host (the egress network's gateway).
    pub host_ip: std::net::IpAddr,
    /// Its leaf certificate is for [`MODEL_HOST`].
    pub ca: TestPki,
}

impl SandboxedModelHost {
    pub async fn prepare(
        engine: &Engine,
        fx: &GatewayFixture,
        root: &Path,
        ca_name: &str,
    ) -> SandboxedModelHost {
        let sandbox = NetworkSandbox::prepare(
            engine.clone(),
            Names::new(&fx.instance),
            PathBuf::from(env!("CARGO_BIN_EXE_airut")),
            "debian:bookworm-slim".into(),
            &root.join("prepare"),
        )
        .await
        .expect("egress network");
        drop(sandbox);
        let host_ip = super::egress_gateway(engine, &format!("airut-{}-egress", fx.instance)).await;
        SandboxedModelHost {
            host_ip,
            ca: test_pki(ca_name, &[MODEL_HOST]),
        }
    }

    /// A bare upstream whose allowlist lets tasks reach only the model.
    pub fn upstream(&self, root: &Path) -> String {
        super::git_repo::bare_upstream(
            &root.join("up"),
            &[
                (".airut/container/Dockerfile", DOCKERFILE),
                (
                    ".airut/network-allowlist.yaml",
                    &format!("domains:\n  - {MODEL_HOST}\nurl_prefixes: []\n"),
                ),
            ],
        )
    }

    /// `yaml` (from `gateway_fixture::config_yaml`) with the network
    /// sandbox on and the model's name pinned to this host.
    pub fn config(&self, yaml: &str) -> String {
        yaml.replace("sandbox_enabled: false", "sandbox_enabled: true")
            .replacen(
                "repos:\n",
                &format!(
                    "network:\n  upstream_hosts:\n    {MODEL_HOST}: {}\nrepos:\n",
                    self.host_ip
                ),
                1,
            )
    }

    /// The model server's real port and the CA the proxy must trust.
    pub fn apply(&self, settings: &mut GatewaySettings, model_port: u16) {
        settings.overrides.upstream_ports = [(MODEL_HOST.to_string(), model_port)].into();
        settings.overrides.upstream_extra_roots_pem = Some(self.ca.ca_cert_pem.clone());
    }

    /// The base URL tasks use.
    pub fn model_url() -> String {
        format!("https://{MODEL_HOST}")
    }
}

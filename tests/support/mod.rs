//! Shared set-up of the integration tests: the prepared machine's engine
//! (scripts/test-env) and unique names so tests run in parallel.

#![allow(dead_code)] // each test binary uses a different part

pub mod airut_process;
pub mod dir_channel;
pub mod fake_slack;
pub mod gateway_fixture;
pub mod git_repo;
pub mod mail_servers;
pub mod sandboxed_model;
pub mod test_pki;
pub mod waits;
pub mod web_fixture;

use std::sync::atomic::{AtomicU32, Ordering};

use airut_actors::sandbox::engine::{self, Engine};

pub const PREPARE_HINT: &str =
    "run `bash scripts/test-env` and `source /run/airut-test/env` (scripts/test does both)";

/// The engine scripts/test-env started; a missing one fails the test.
pub async fn engine() -> Engine {
    let host = std::env::var("DOCKER_HOST")
        .unwrap_or_else(|_| panic!("DOCKER_HOST unset: {PREPARE_HINT}"));
    engine::discover(Some(&host))
        .await
        .unwrap_or_else(|e| panic!("container engine: {e}; {PREPARE_HINT}"))
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

/// The real Claude Code binary installed by scripts/test-env.
pub fn claude_binary() -> std::path::PathBuf {
    let path = std::env::var("AIRUT_TEST_CLAUDE")
        .unwrap_or_else(|_| panic!("AIRUT_TEST_CLAUDE unset: {PREPARE_HINT}"));
    std::fs::canonicalize(&path).unwrap_or_else(|e| panic!("{path}: {e}; {PREPARE_HINT}"))
}

/// The egress network's gateway: the host's address on that bridge, where a
/// proxy container reaches a server the test runs on the host. Known from
/// the network's configuration as soon as it exists (its bridge interface
/// comes up only once a container is attached).
pub async fn egress_gateway(engine: &Engine, egress: &str) -> std::net::IpAddr {
    let network = engine
        .docker
        .inspect_network(
            egress,
            None::<bollard::query_parameters::InspectNetworkOptions>,
        )
        .await
        .expect("inspect the egress network");
    network
        .ipam
        .and_then(|ipam| ipam.config)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|config| config.gateway?.parse::<std::net::IpAddr>().ok())
        .find(std::net::IpAddr::is_ipv4)
        .unwrap_or_else(|| panic!("{egress} has no IPv4 gateway"))
}

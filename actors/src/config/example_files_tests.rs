//! The shipped starter and example configs must themselves be valid.

use super::test_support::{FAKE_PEM, full_env, load_ok};
use super::{EnvSource, STARTER_CONFIG};

const EXAMPLE: &str = include_str!("../../../config/airut.example.yaml");

#[test]
fn starter_config_validates_without_any_env() {
    let loaded = load_ok(STARTER_CONFIG, &EnvSource::empty());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let repo = &loaded.config.repos["my-project"];
    assert!(repo.secrets.is_empty());
    assert!(repo.email.is_some());
    assert_eq!(loaded.config.dashboard.port, 5200);
}

#[test]
fn starter_config_picks_up_the_api_key() {
    let env = EnvSource::from_pairs([("ANTHROPIC_API_KEY", "sk-ant-test-1234")]);
    let loaded = load_ok(STARTER_CONFIG, &env);
    assert_eq!(
        loaded.config.repos["my-project"].secrets["ANTHROPIC_API_KEY"].expose(),
        "sk-ant-test-1234"
    );
}

#[test]
fn example_config_validates() {
    let env = full_env().with_fallback_pairs([("AIRUT_DASHBOARD_TOKEN", "dashboard-token-1234")]);
    let loaded = load_ok(EXAMPLE, &env);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = &loaded.config;
    assert_eq!(
        c.container_host.as_deref(),
        Some("unix:///run/podman/podman.sock")
    );
    assert_eq!(c.network.upstream_hosts.len(), 2);
    assert_eq!(
        c.claude_binary.as_deref(),
        Some(std::path::Path::new("/home/airut/.local/bin/claude"))
    );
    let repo = &c.repos["my-project"];
    assert_eq!(
        repo.github_app_credentials["GH_APP_TOKEN"]
            .private_key
            .expose(),
        FAKE_PEM
    );
    assert_eq!(repo.schedules.len(), 2);
    assert!(loaded.secrets.contains_secret("dashboard-token-1234"));
}

#[test]
fn example_config_covers_every_documented_key() {
    for info in super::FIELDS {
        let last = info
            .path
            .rsplit('.')
            .find(|seg| *seg != "*")
            .unwrap_or(info.path);
        assert!(
            EXAMPLE.contains(&format!("{last}:")),
            "config/airut.example.yaml lacks `{}`",
            info.path
        );
    }
}

//! Documents written for config_version 1–4 load to exactly the typed config
//! of their version-5 equivalent.

use super::EnvSource;
use super::test_support::load_ok;

const V5: &str = "\
config_version: 5
vars:
  default_resource_timeout: 600
  default_resource_memory: 2g
repos:
  alpha:
    repo_url: https://example.com/alpha.git
    container_path: docker
    resource_limits:
      timeout: !var default_resource_timeout
      memory: 4g
    email:
      account: {username: alpha, from: alpha@example.com, password: !env ALPHA_PW}
      imap: {server: imap.example.com, port: 1993, poll_interval: 30}
      smtp: {server: smtp.example.com, port: 2525, require_auth: false}
      auth:
        authorized_senders: ['*@example.com']
        trusted_authserv_id: mx.example.com
        microsoft_internal_fallback: true
  beta:
    repo_url: https://example.com/beta.git
    resource_limits:
      timeout: !var default_resource_timeout
      memory: !var default_resource_memory
    email:
      account: {username: beta, from: beta@example.com, password: beta-pass}
      imap: {server: imap.example.com}
      smtp: {server: smtp.example.com}
      auth: {authorized_senders: [boss@example.com], trusted_authserv_id: ''}
";

const V4: &str = "\
config_version: 4
vars:
  default_resource_timeout: 600
  default_resource_memory: 2g
repos:
  alpha:
    git: {repo_url: https://example.com/alpha.git}
    container: {path: docker}
    resource_limits:
      timeout: !var default_resource_timeout
      memory: 4g
    email:
      account: {username: alpha, from: alpha@example.com, password: !env ALPHA_PW}
      imap: {server: imap.example.com, port: 1993, poll_interval: 30}
      smtp: {server: smtp.example.com, port: 2525, require_auth: false}
      auth:
        authorized_senders: ['*@example.com']
        trusted_authserv_id: mx.example.com
        microsoft_internal_fallback: true
  beta:
    git:
      repo_url: https://example.com/beta.git
    resource_limits:
      timeout: !var default_resource_timeout
      memory: !var default_resource_memory
    email:
      account: {username: beta, from: beta@example.com, password: beta-pass}
      imap: {server: imap.example.com}
      smtp: {server: smtp.example.com}
      auth: {authorized_senders: [boss@example.com], trusted_authserv_id: ''}
";

const V3: &str = "\
config_version: 3
vars:
  default_resource_timeout: 600
  default_resource_memory: 2g
repos:
  alpha:
    git: {repo_url: https://example.com/alpha.git}
    container: {path: docker}
    resource_limits:
      timeout: !var default_resource_timeout
      memory: 4g
    email:
      username: alpha
      from: alpha@example.com
      password: !env ALPHA_PW
      imap_server: imap.example.com
      imap_port: 1993
      imap: {poll_interval: 30}
      smtp_server: smtp.example.com
      smtp_port: 2525
      smtp_require_auth: false
      authorized_senders: ['*@example.com']
      trusted_authserv_id: mx.example.com
      microsoft_internal_auth_fallback: true
  beta:
    git: {repo_url: https://example.com/beta.git}
    resource_limits:
      timeout: !var default_resource_timeout
      memory: !var default_resource_memory
    email:
      username: beta
      from: beta@example.com
      password: beta-pass
      imap_server: imap.example.com
      smtp_server: smtp.example.com
      authorized_senders: [boss@example.com]
      trusted_authserv_id: ''
";

/// Version 2: the shared limits are a top-level block.
fn v2() -> String {
    V3.replacen("config_version: 3\n", "config_version: 2\n", 1)
        .replacen(
            "vars:\n  default_resource_timeout: 600\n  default_resource_memory: 2g\n",
            "resource_limits:\n  timeout: 600\n  memory: 2g\n",
            1,
        )
        .replacen("    resource_limits:\n      timeout: !var default_resource_timeout\n      memory: 4g\n", "    resource_limits:\n      memory: 4g\n", 1)
        .replacen(
            "    resource_limits:\n      timeout: !var default_resource_timeout\n      memory: !var default_resource_memory\n",
            "",
            1,
        )
}

fn env() -> EnvSource {
    EnvSource::from_pairs([("ALPHA_PW", "alpha-secret-pass")])
}

#[test]
fn v4_v3_v2_v1_equal_v5() {
    let expected = load_ok(V5, &env());
    assert_eq!(expected.schema_version_found, 5);
    let v2 = v2();
    assert!(
        !v2.contains("default_resource"),
        "v2 fixture still has vars:\n{v2}"
    );
    let v1 = v2.replacen("config_version: 2\n", "", 1);
    for (version, text) in [(4, V4.to_owned()), (3, V3.to_owned()), (2, v2), (1, v1)] {
        let loaded = load_ok(&text, &env());
        assert_eq!(loaded.schema_version_found, version);
        assert_eq!(loaded.config, expected.config, "version {version} differs");
        assert!(
            loaded.warnings.iter().any(|w| w.contains("upgraded to 5")),
            "{:?}",
            loaded.warnings
        );
        assert_eq!(loaded.secrets, expected.secrets);
    }
    let alpha = &expected.config.repos["alpha"];
    assert_eq!(alpha.container_path, "docker");
    assert_eq!(alpha.resource_limits.memory.as_deref(), Some("4g"));
    let beta = &expected.config.repos["beta"];
    assert_eq!(beta.resource_limits.memory.as_deref(), Some("2g"));
    assert_eq!(
        beta.resource_limits.timeout,
        Some(std::time::Duration::from_secs(600))
    );
}

#[test]
fn v2_limits_do_not_clobber_user_vars() {
    let text = v2().replacen(
        "config_version: 2\n",
        "config_version: 2\nvars:\n  default_resource_timeout: 42\n",
        1,
    );
    let loaded = load_ok(&text, &env());
    // The user's own variable keeps its value; the migrated one is renamed.
    assert_eq!(
        loaded.config.repos["beta"].resource_limits.timeout,
        Some(std::time::Duration::from_secs(600))
    );
}

//! Shared helpers for the config tests.

use super::{ConfigErrors, EnvSource, LoadedConfig, load_str};

pub(crate) const FULL_V5: &str = include_str!("../../tests/fixtures/config/full-v5.yaml");

pub(crate) const FAKE_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n";

/// Values for every `!env` in the C-8 example.
pub(crate) fn full_env() -> EnvSource {
    EnvSource::from_pairs([
        ("ANTHROPIC_API_KEY", "sk-ant-api03-abcdefghijklmnop"),
        ("EMAIL_PASSWORD", "Tr0ub4dor&3-mail"),
        ("MS_TENANT", "tenant-0000-1111"),
        ("MS_CLIENT", "client-2222-3333"),
        ("MS_SECRET", "ms-client-secret-value"),
        ("SLACK_BOT_TOKEN", "xoxb-1111-2222-abcdefabcdef"),
        ("SLACK_APP_TOKEN", "xapp-1-A111-2222-abcdef"),
        ("GH_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEExampleSessionToken"),
        ("GH_APP_ID", "Iv1.0123456789abcdef"),
        ("GH_APP_PRIVATE_KEY", FAKE_PEM),
        ("GH_APP_INSTALLATION_ID", "12345678"),
        ("HOME", "/home/airut"),
    ])
}

pub(crate) fn load_ok(text: &str, env: &EnvSource) -> LoadedConfig {
    match load_str(text, env) {
        Ok(loaded) => loaded,
        Err(errors) => panic!("expected a valid config, got:\n{errors}"),
    }
}

pub(crate) fn load_err(text: &str, env: &EnvSource) -> ConfigErrors {
    match load_str(text, env) {
        Ok(loaded) => panic!("expected errors, got a config: {:?}", loaded.config),
        Err(errors) => errors,
    }
}

/// A minimal valid config. Line numbers are referenced by the tests:
/// 3 `my-project:`, 6 `account:`, 10 `imap:`, 12 `smtp:`, 14 `auth:`.
pub(crate) const BASE: &str = "\
config_version: 5
repos:
  my-project:
    repo_url: https://example.com/r.git
    email:
      account:
        username: airut
        from: airut@example.com
        password: pw-123456
      imap:
        server: imap.example.com
      smtp:
        server: smtp.example.com
      auth:
        authorized_senders: [a@example.com]
        trusted_authserv_id: mx.example.com
";

/// `BASE` with one text edit; panics if `find` is not in it, so a changed
/// base cannot silently turn a test into a no-op.
pub(crate) fn base_with(find: &str, replace: &str) -> String {
    assert!(BASE.contains(find), "BASE does not contain {find:?}");
    BASE.replacen(find, replace, 1)
}

//! What a change to each key needs before it takes effect, for live reload.
//!
//! - `Server`: a server restart (listeners, global limits).
//! - `Repo`: restarting that repo's channel listeners and scheduler.
//! - `Task`: nothing; the next task picks it up.
//!
//! Paths use `*` for user-chosen names (repo ids, variable names, schedule
//! names). Lists are leaves. `secret` marks values to mask in UIs.

/// When a changed value takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReloadScope {
    Server,
    Repo,
    Task,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    pub path: &'static str,
    pub scope: ReloadScope,
    pub secret: bool,
}

const fn field(path: &'static str, scope: ReloadScope) -> FieldInfo {
    FieldInfo {
        path,
        scope,
        secret: false,
    }
}

const fn secret(path: &'static str, scope: ReloadScope) -> FieldInfo {
    FieldInfo {
        path,
        scope,
        secret: true,
    }
}

use ReloadScope::{Repo, Server, Task};

/// Every leaf key of the schema. `config_version` and `vars.*` are absent:
/// the first is consumed by migration, the others take the scope of the
/// field that references them.
pub const FIELDS: &[FieldInfo] = &[
    field("execution.max_concurrent", Server),
    field("execution.shutdown_timeout", Server),
    field("execution.conversation_max_age_days", Server),
    field("execution.image_prune", Server),
    field("dashboard.enabled", Server),
    field("dashboard.host", Server),
    field("dashboard.port", Server),
    field("dashboard.base_url", Server),
    secret("dashboard.auth_token", Server),
    field("network.upstream_dns", Server),
    field("network.upstream_hosts.*", Server),
    field("claude_binary", Task),
    field("container_host", Server),
    field("container_command", Server),
    field("repos.*.repo_url", Repo),
    field("repos.*.model", Task),
    field("repos.*.effort", Task),
    field("repos.*.claude_version", Task),
    field("repos.*.claude_binary", Task),
    field("repos.*.container_path", Repo),
    field("repos.*.network.sandbox_enabled", Repo),
    field("repos.*.resource_limits.timeout", Task),
    field("repos.*.resource_limits.memory", Task),
    field("repos.*.resource_limits.cpus", Task),
    field("repos.*.resource_limits.pids_limit", Task),
    field("repos.*.email.account.username", Repo),
    field("repos.*.email.account.from", Repo),
    secret("repos.*.email.account.password", Repo),
    field("repos.*.email.imap.server", Repo),
    field("repos.*.email.imap.port", Repo),
    field("repos.*.email.imap.connect_retries", Repo),
    field("repos.*.email.imap.poll_interval", Repo),
    field("repos.*.email.imap.use_idle", Repo),
    field("repos.*.email.imap.idle_reconnect_interval", Repo),
    field("repos.*.email.smtp.server", Repo),
    field("repos.*.email.smtp.port", Repo),
    field("repos.*.email.smtp.require_auth", Repo),
    field("repos.*.email.auth.authorized_senders", Repo),
    field("repos.*.email.auth.trusted_authserv_id", Repo),
    field("repos.*.email.auth.microsoft_internal_fallback", Repo),
    secret("repos.*.email.microsoft_oauth2.tenant_id", Repo),
    field("repos.*.email.microsoft_oauth2.client_id", Repo),
    secret("repos.*.email.microsoft_oauth2.client_secret", Repo),
    secret("repos.*.slack.bot_token", Repo),
    secret("repos.*.slack.app_token", Repo),
    field("repos.*.slack.authorized", Repo),
    field("repos.*.slack.allowed_channels", Repo),
    field("repos.*.slack.api_url", Repo),
    secret("repos.*.secrets.*", Task),
    secret("repos.*.masked_secrets.*.value", Task),
    field("repos.*.masked_secrets.*.scopes", Task),
    field("repos.*.masked_secrets.*.headers", Task),
    field("repos.*.masked_secrets.*.allow_foreign_credentials", Task),
    field("repos.*.signing_credentials.*.type", Task),
    field("repos.*.signing_credentials.*.access_key_id.name", Task),
    secret("repos.*.signing_credentials.*.access_key_id.value", Task),
    field("repos.*.signing_credentials.*.secret_access_key.name", Task),
    secret(
        "repos.*.signing_credentials.*.secret_access_key.value",
        Task,
    ),
    field("repos.*.signing_credentials.*.session_token.name", Task),
    secret("repos.*.signing_credentials.*.session_token.value", Task),
    field("repos.*.signing_credentials.*.scopes", Task),
    field("repos.*.github_app_credentials.*.app_id", Task),
    secret("repos.*.github_app_credentials.*.private_key", Task),
    field("repos.*.github_app_credentials.*.installation_id", Task),
    field("repos.*.github_app_credentials.*.scopes", Task),
    field(
        "repos.*.github_app_credentials.*.allow_foreign_credentials",
        Task,
    ),
    field("repos.*.github_app_credentials.*.base_url", Task),
    field("repos.*.github_app_credentials.*.permissions.*", Task),
    field("repos.*.github_app_credentials.*.repositories", Task),
    field("repos.*.schedules.*.cron", Repo),
    field("repos.*.schedules.*.deliver.to", Repo),
    field("repos.*.schedules.*.deliver.channel", Repo),
    field("repos.*.schedules.*.enable", Repo),
    field("repos.*.schedules.*.subject", Repo),
    field("repos.*.schedules.*.timezone", Repo),
    field("repos.*.schedules.*.prompt", Repo),
    field("repos.*.schedules.*.trigger_command", Repo),
    field("repos.*.schedules.*.trigger_timeout", Repo),
    field("repos.*.schedules.*.model", Task),
    field("repos.*.schedules.*.effort", Task),
    field("repos.*.schedules.*.output_limit", Repo),
];

/// The entry for a concrete dotted path such as
/// `repos.my-project.email.imap.port`.
pub fn field_info(path: &str) -> Option<&'static FieldInfo> {
    let segments: Vec<&str> = path.split('.').collect();
    FIELDS.iter().find(|f| {
        let pattern: Vec<&str> = f.path.split('.').collect();
        pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| *p == "*" || p == s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_with_wildcards() {
        let info = field_info("repos.my-project.email.imap.port").map(|f| f.scope);
        assert_eq!(info, Some(ReloadScope::Repo));
        assert_eq!(
            field_info("repos.x.secrets.API_KEY").map(|f| f.secret),
            Some(true)
        );
        assert_eq!(
            field_info("execution.max_concurrent").map(|f| f.scope),
            Some(ReloadScope::Server)
        );
        assert!(field_info("repos.x.nope").is_none());
    }
}

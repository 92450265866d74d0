//! Server configuration (`airut.yaml`), compatible with the Python Airut's
//! `config_version` 5 (older versions are migrated in memory).
//!
//! Pipeline: [`load`] reads the file, records its SHA-256, parses YAML into a
//! tree that keeps line numbers and the `!env` / `!var` tags, applies
//! migrations, resolves `vars:` and tags (through an [`EnvSource`], never
//! touching the process environment), then validates into [`ServerConfig`]
//! collecting every problem as `key.path (line N): message`.
//!
//! See `spec/config.md` for the schema decisions and
//! `config/airut.example.yaml` for every key.

mod allowlist_file;
mod credentials;
mod cron;
mod diagnostics;
mod dotenv;
mod email;
mod env_source;
mod errors;
mod fallback;
mod fields;
mod load;
mod migrate;
mod paths;
mod reload_scope;
mod repo;
mod sandbox_file;
mod schedule;
mod secret;
mod server;
mod slack;
mod vars;
mod yaml_tree;

pub use allowlist_file::{load_allowlist, parse_allowlist};
pub use credentials::{
    CredentialPool, GitHubAppCredential, MaskedSecret, SigningCredential, SigningCredentialField,
    SigningKind,
};
pub use cron::CronExpression;
pub use dotenv::parse_dotenv;
pub use email::{
    EmailAccount, EmailAuth, EmailConfig, ImapConfig, MicrosoftOAuth2, SmtpConfig, TlsMode,
    VerifyMode,
};
pub use env_source::{EnvSource, dotenv_files};
pub use errors::{ConfigError, ConfigErrors};
pub use fallback::{dashboard_fallback, dashboard_from_text};
pub use load::{LoadedConfig, load, load_str, load_with_env};
pub use migrate::CURRENT_CONFIG_VERSION;
pub use paths::default_config_path;
pub use reload_scope::{FIELDS, FieldInfo, ReloadScope, field_info};
pub use repo::{ChannelKind, RepoConfig, ResourceLimits};
pub use sandbox_file::{SandboxFile, load_sandbox_file, parse_sandbox_file};
pub use schedule::{ScheduleConfig, ScheduleDelivery, ScheduleTask};
pub use secret::{REDACTED, Secret, SecretRegistry};
pub use server::{DashboardConfig, ExecutionConfig, NetworkConfig, ServerConfig};
pub use slack::{SlackAuthRule, SlackConfig};

/// Commented starter config written by `airut init`. It validates as is
/// (with `ANTHROPIC_API_KEY` unset its secret entry is simply dropped).
pub const STARTER_CONFIG: &str = include_str!("starter.yaml");

#[cfg(test)]
mod example_files_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod malformed_tests;
#[cfg(test)]
mod migration_equivalence_tests;
#[cfg(test)]
mod test_support;

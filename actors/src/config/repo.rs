//! One entry of `repos:` (C-4): where the code comes from, how tasks run,
//! which channels deliver work, and the credentials tasks receive.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::credentials::{
    GitHubAppCredential, MaskedSecret, SigningCredential, parse_github_apps, parse_masked_secrets,
    parse_plain_secrets, parse_signing_credentials, warn_env_collisions,
};
use super::diagnostics::Diagnostics;
use super::email::{EmailConfig, parse_email};
use super::env_source::EnvSource;
use super::fields::{Field, Section, echo};
use super::schedule::{ScheduleConfig, parse_schedules};
use super::secret::Secret;
use super::server::absolute_path;
use super::slack::{SlackConfig, parse_slack};
use super::yaml_tree::{Origin, Scalar, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct RepoConfig {
    /// The key under `repos:`; also the name of the repo's storage directory.
    pub repo_id: String,
    /// Mirror source and the `origin` of every workspace.
    pub repo_url: String,
    /// Default model for new conversations.
    pub model: String,
    /// Claude effort level (`low`/`medium`/`high`/`max`; not validated).
    pub effort: Option<String>,
    /// `latest`, `stable` or a semver such as `1.0.33`.
    pub claude_version: String,
    /// Overrides the global `claude_binary` for this repo.
    pub claude_binary: Option<PathBuf>,
    /// Directory with the task container's Dockerfile, relative to the repo
    /// root.
    pub container_path: String,
    /// Route container traffic through the proxy and enforce the allowlist.
    pub sandbox_enabled: bool,
    pub resource_limits: ResourceLimits,
    pub email: Option<EmailConfig>,
    pub slack: Option<SlackConfig>,
    /// Plain environment variables for tasks.
    pub secrets: BTreeMap<String, Secret>,
    pub masked_secrets: BTreeMap<String, MaskedSecret>,
    pub signing_credentials: BTreeMap<String, SigningCredential>,
    pub github_app_credentials: BTreeMap<String, GitHubAppCredential>,
    pub schedules: BTreeMap<String, ScheduleConfig>,
}

/// Per-task container limits; `None` means unlimited.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceLimits {
    pub timeout: Option<Duration>,
    /// Podman `--memory` syntax: digits and a `b`/`k`/`m`/`g` suffix.
    pub memory: Option<String>,
    pub cpus: Option<f64>,
    pub pids_limit: Option<u32>,
}

/// A channel a repo can be reached by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKind {
    Email,
    Slack,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Slack => "slack",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "email" => Some(ChannelKind::Email),
            "slack" => Some(ChannelKind::Slack),
            _ => None,
        }
    }
}

impl RepoConfig {
    /// Channels this repo has configured.
    pub fn channels(&self) -> Vec<ChannelKind> {
        let mut out = Vec::with_capacity(2);
        if self.email.is_some() {
            out.push(ChannelKind::Email);
        }
        if self.slack.is_some() {
            out.push(ChannelKind::Slack);
        }
        out
    }
}

const REPO_KEYS: &[&str] = &[
    "repo_url",
    "model",
    "effort",
    "claude_version",
    "claude_binary",
    "container_path",
    "network",
    "resource_limits",
    "email",
    "slack",
    "secrets",
    "masked_secrets",
    "signing_credentials",
    "github_app_credentials",
    "schedules",
];

const EMAIL_AUTH_HINT: &str = "belongs under `email:` (`email.auth` for sender rules, `email.imap` for the mailbox); \
                               move it by hand, Airut never moves sender authorization automatically";

const REPO_MOVED: &[(&str, &str)] = &[
    ("authorized_senders", EMAIL_AUTH_HINT),
    ("trusted_authserv_id", EMAIL_AUTH_HINT),
    ("microsoft_internal_auth_fallback", EMAIL_AUTH_HINT),
    ("imap", EMAIL_AUTH_HINT),
    (
        "git",
        "`git.repo_url` became `repo_url` in config_version 5",
    ),
    (
        "container",
        "`container.path` became `container_path` in config_version 5",
    ),
];

const DEFAULT_MODEL: &str = "opus";
const DEFAULT_CLAUDE_VERSION: &str = "latest";
const DEFAULT_CONTAINER_PATH: &str = ".airut/container";

pub(crate) fn parse_repo(
    field: &Field<'_>,
    env: &EnvSource,
    d: &mut Diagnostics,
) -> Option<RepoConfig> {
    let repo_id = field
        .path
        .strip_prefix("repos.")
        .unwrap_or(&field.path)
        .to_owned();
    let map = match field.node.map(|n| &n.value) {
        Some(Value::Map(m)) => m,
        _ => {
            let got = field.node.map_or("nothing", |n| n.kind_name());
            d.error(
                &field.path,
                field.line(),
                format!("expected a mapping of repo settings, got {got}"),
            );
            return None;
        }
    };
    if !is_storage_name(&repo_id) {
        d.error(
            &field.path,
            field.key_line,
            "a repo id names its storage directory: use letters, digits, `-`, `_` or `.`, not starting with `.`",
        );
        return None;
    }
    let s = Section::with_moved(
        field.path.clone(),
        field.key_line,
        map,
        REPO_KEYS,
        REPO_MOVED,
        d,
    );

    let email_field = s.field("email");
    let slack_field = s.field("slack");
    if !email_field.is_present() && !slack_field.is_present() {
        d.error(
            &s.path,
            s.line,
            "no channel configured: add an `email:` or `slack:` block",
        );
    }
    let email = parse_email(&email_field, d);
    let slack = parse_slack(&slack_field, d);
    let channels: Vec<ChannelKind> = [
        email_field.is_present().then_some(ChannelKind::Email),
        slack_field.is_present().then_some(ChannelKind::Slack),
    ]
    .into_iter()
    .flatten()
    .collect();

    let sandbox_enabled = s
        .field("network")
        .section(d, &["sandbox_enabled"])
        .is_none_or(|n| n.field("sandbox_enabled").bool_or(d, true));
    let resource_limits = parse_resource_limits(&s.field("resource_limits"), d);
    let secrets = parse_plain_secrets(&s.field("secrets"), d);
    let masked_secrets = parse_masked_secrets(&s.field("masked_secrets"), d);
    let signing_credentials = parse_signing_credentials(&s.field("signing_credentials"), d);
    let github_app_credentials = parse_github_apps(&s.field("github_app_credentials"), d);
    let schedules = parse_schedules(&s.field("schedules"), &channels, d);

    // Read every field before assembling, so one bad field does not hide
    // problems in the others.
    let repo_url = s.field("repo_url").req_str(d);
    let model = s.field("model").str_or(d, DEFAULT_MODEL);
    let effort = s.field("effort").opt_str(d);
    let claude_version = claude_version(&s.field("claude_version"), d);
    let claude_binary = absolute_path(&s.field("claude_binary"), env, d);
    let container_path = container_path(&s.field("container_path"), d);
    let repo = RepoConfig {
        repo_id,
        repo_url: repo_url?,
        model,
        effort,
        claude_version,
        claude_binary,
        container_path,
        sandbox_enabled,
        resource_limits,
        email: email.ok()?,
        slack: slack.ok()?,
        secrets,
        masked_secrets,
        signing_credentials,
        github_app_credentials,
        schedules,
    };
    warn_env_collisions(&repo, &s.path, s.line, d);
    warn_credentials_without_sandbox(&repo, &s.path, s.line, d);
    Some(repo)
}

pub(crate) fn parse_resource_limits(field: &Field<'_>, d: &mut Diagnostics) -> ResourceLimits {
    let Some(s) = field.section(d, &["timeout", "memory", "cpus", "pids_limit"]) else {
        return ResourceLimits::default();
    };
    let memory_field = s.field("memory");
    let memory = memory_field.opt_str(d).and_then(|m| {
        if is_memory_size(&m) {
            Some(m)
        } else {
            d.error(
                &memory_field.path,
                memory_field.line(),
                format!(
                    "expected a size like 512m or 8g (digits, then b/k/m/g), got {}",
                    echo(&m, &Origin::Plain)
                ),
            );
            None
        }
    });
    ResourceLimits {
        timeout: s.field("timeout").opt_uint(d, 10).map(Duration::from_secs),
        memory,
        cpus: s.field("cpus").opt_float(d, 0.01),
        pids_limit: s.field("pids_limit").opt_uint(d, 1),
    }
}

/// The repo id becomes a directory name under the state directory, so it
/// must not be able to point anywhere else.
fn is_storage_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `^\d+[bkmg]$` with a non-zero number.
fn is_memory_size(text: &str) -> bool {
    let Some(digits) = text.strip_suffix(['b', 'k', 'm', 'g']) else {
        return false;
    };
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.bytes().any(|b| b != b'0')
}

fn claude_version(field: &Field<'_>, d: &mut Diagnostics) -> String {
    let Some(v) = field.opt_str(d) else {
        return DEFAULT_CLAUDE_VERSION.to_owned();
    };
    if is_claude_version(&v) {
        return v;
    }
    d.error(
        &field.path,
        field.line(),
        format!(
            "expected latest, stable or a version like 1.0.33, got {}",
            echo(&v, &Origin::Plain)
        ),
    );
    DEFAULT_CLAUDE_VERSION.to_owned()
}

/// `latest`, `stable`, or `N.N.N` with an optional `-suffix`.
fn is_claude_version(v: &str) -> bool {
    if v == "latest" || v == "stable" {
        return true;
    }
    let (core, pre) = match v.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (v, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(|p| !p.is_empty() && !p.contains(char::is_whitespace))
}

/// Relative, inside the repository, not empty.
fn container_path(field: &Field<'_>, d: &mut Diagnostics) -> String {
    let explicit_empty = matches!(
        field.node.map(|n| &n.value),
        Some(Value::Scalar(Scalar { text: Some(t), .. })) if t.is_empty()
    );
    if explicit_empty {
        d.error(
            &field.path,
            field.line(),
            "must not be empty (omit the key for the default .airut/container)",
        );
        return DEFAULT_CONTAINER_PATH.to_owned();
    }
    let Some(path) = field.opt_str(d) else {
        return DEFAULT_CONTAINER_PATH.to_owned();
    };
    let problem = if path.starts_with('/') {
        Some("must be relative to the repository root")
    } else if path.split('/').any(|c| c == "..") {
        Some("must not contain `..`")
    } else {
        None
    };
    if let Some(problem) = problem {
        d.error(
            &field.path,
            field.line(),
            format!("{problem}, got {}", echo(&path, &Origin::Plain)),
        );
        return DEFAULT_CONTAINER_PATH.to_owned();
    }
    path
}

/// Proxy-held credentials only reach a task through the sandbox proxy.
fn warn_credentials_without_sandbox(
    repo: &RepoConfig,
    path: &str,
    line: usize,
    d: &mut Diagnostics,
) {
    if repo.sandbox_enabled {
        return;
    }
    let has_proxy_credentials = !repo.masked_secrets.is_empty()
        || !repo.signing_credentials.is_empty()
        || !repo.github_app_credentials.is_empty();
    if has_proxy_credentials {
        d.warn(
            path,
            line,
            "network.sandbox_enabled is false, so masked_secrets, signing_credentials and \
             github_app_credentials cannot be injected (they need the proxy)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        for ok in ["8g", "512m", "1b", "100k", "10g"] {
            assert!(is_memory_size(ok), "{ok}");
        }
        for bad in ["0g", "8G", "8", "g", "8gb", "-1g", "1.5g", "00m"] {
            assert!(!is_memory_size(bad), "{bad}");
        }
    }

    #[test]
    fn storage_names() {
        for ok in ["my-project", "a.b", "A_1"] {
            assert!(is_storage_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", ".hidden", "with space"] {
            assert!(!is_storage_name(bad), "{bad}");
        }
    }

    #[test]
    fn claude_versions() {
        for ok in ["latest", "stable", "1.0.33", "2.1.0-beta.1"] {
            assert!(is_claude_version(ok), "{ok}");
        }
        for bad in ["newest", "1.0", "v1.0.0", "1.0.0-", "1..0"] {
            assert!(!is_claude_version(bad), "{bad}");
        }
    }
}

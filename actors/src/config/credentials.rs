//! Credentials a repo hands to its tasks (C-4): plain `secrets`, proxy-held
//! `masked_secrets`, AWS `signing_credentials` and `github_app_credentials`.
//!
//! Every pool is keyed by the environment variable the container sees. When
//! two pools name the same variable, signing > GitHub App > masked > plain.

use std::collections::BTreeMap;

use super::diagnostics::Diagnostics;
use super::fields::{Field, IntRange, Section, entry_field};
use super::repo::RepoConfig;
use super::secret::Secret;
use super::yaml_tree::{Scalar, Value};

/// A secret the container only sees as a surrogate; the proxy swaps in the
/// real value on matching hosts and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskedSecret {
    pub value: Secret,
    /// Host patterns (fnmatch) where the swap happens.
    pub scopes: Vec<String>,
    /// Header patterns (fnmatch, `*` = all) scanned for the surrogate.
    pub headers: Vec<String>,
    /// When false, credentials other than the surrogate are stripped from
    /// matching headers on scoped hosts.
    pub allow_foreign_credentials: bool,
}

/// AWS credentials the proxy uses to re-sign requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningCredential {
    pub kind: SigningKind,
    pub access_key_id: SigningCredentialField,
    pub secret_access_key: SigningCredentialField,
    /// Dropped when its value is unset.
    pub session_token: Option<SigningCredentialField>,
    /// Host patterns where re-signing happens.
    pub scopes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningKind {
    AwsSigV4,
}

/// One credential value and the container variable it is exposed as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningCredentialField {
    pub name: String,
    pub value: Secret,
}

/// A GitHub App whose installation tokens the proxy mints and rotates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitHubAppCredential {
    /// Client ID (`Iv1…`) or numeric App ID.
    pub app_id: String,
    /// PEM-encoded private key.
    pub private_key: Secret,
    pub installation_id: u64,
    pub scopes: Vec<String>,
    pub allow_foreign_credentials: bool,
    /// API base; `https://<host>/api/v3` for GitHub Enterprise Server.
    pub base_url: String,
    /// Restrict token permissions (`contents: write`, …).
    pub permissions: Option<BTreeMap<String, String>>,
    /// Restrict the token to these repository names.
    pub repositories: Option<Vec<String>>,
}

/// Which pool defines a container variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialPool {
    Signing,
    GitHubApp,
    Masked,
    Plain,
}

impl CredentialPool {
    pub fn config_key(self) -> &'static str {
        match self {
            CredentialPool::Signing => "signing_credentials",
            CredentialPool::GitHubApp => "github_app_credentials",
            CredentialPool::Masked => "masked_secrets",
            CredentialPool::Plain => "secrets",
        }
    }
}

impl RepoConfig {
    /// Every container variable the credentials define, with the pool that
    /// wins it (highest precedence first: signing, GitHub App, masked, plain).
    pub fn credential_env_owners(&self) -> BTreeMap<String, CredentialPool> {
        let mut owners = BTreeMap::new();
        for (name, pool) in self.credential_env_names() {
            owners.entry(name.to_owned()).or_insert(pool);
        }
        owners
    }

    /// All (variable, pool) pairs in precedence order, duplicates included.
    fn credential_env_names(&self) -> Vec<(&str, CredentialPool)> {
        let signing = self.signing_credentials.values().flat_map(|c| {
            [
                Some(&c.access_key_id),
                Some(&c.secret_access_key),
                c.session_token.as_ref(),
            ]
            .into_iter()
            .flatten()
            .map(|f| (f.name.as_str(), CredentialPool::Signing))
        });
        let apps = self
            .github_app_credentials
            .keys()
            .map(|k| (k.as_str(), CredentialPool::GitHubApp));
        let masked = self
            .masked_secrets
            .keys()
            .map(|k| (k.as_str(), CredentialPool::Masked));
        let plain = self
            .secrets
            .keys()
            .map(|k| (k.as_str(), CredentialPool::Plain));
        signing.chain(apps).chain(masked).chain(plain).collect()
    }
}

/// Collisions are legal (the Python Airut allows them) but almost always a
/// mistake, so each shadowed definition gets a warning.
pub(crate) fn warn_env_collisions(repo: &RepoConfig, path: &str, line: usize, d: &mut Diagnostics) {
    let mut owners: BTreeMap<&str, CredentialPool> = BTreeMap::new();
    for (name, pool) in repo.credential_env_names() {
        match owners.get(name) {
            Some(winner) if *winner != pool => d.warn(
                path,
                line,
                format!(
                    "{name} is defined in both {} and {}; the {} value is used",
                    winner.config_key(),
                    pool.config_key(),
                    winner.config_key()
                ),
            ),
            Some(_) => d.warn(
                path,
                line,
                format!("{name} is defined twice in {}", pool.config_key()),
            ),
            None => {
                owners.insert(name, pool);
            }
        }
    }
}

/// A container variable name: non-empty, no `=` or NUL.
fn check_env_name(name: &str, path: &str, line: usize, d: &mut Diagnostics) -> bool {
    let ok = !name.is_empty() && !name.contains(['=', '\0']);
    if !ok {
        d.error(path, line, "not a usable environment variable name");
    }
    ok
}

/// `secrets.<ENV>`: unset `!env` drops the entry; an empty string is kept.
pub(crate) fn parse_plain_secrets(
    field: &Field<'_>,
    d: &mut Diagnostics,
) -> BTreeMap<String, Secret> {
    let mut out = BTreeMap::new();
    for entry in field.entries(d) {
        let f = entry_field(&field.path, entry);
        if !check_env_name(&entry.key, &f.path, entry.key_line, d) {
            continue;
        }
        match &entry.value.value {
            Value::Scalar(Scalar {
                text: Some(text), ..
            }) => {
                d.secrets.register(text);
                out.insert(entry.key.clone(), Secret::new(text.clone()));
            }
            Value::Scalar(Scalar { text: None, .. }) => {}
            _ => d.error(
                &f.path,
                entry.value.line,
                format!(
                    "expected a single value or !env, got {}",
                    entry.value.kind_name()
                ),
            ),
        }
    }
    out
}

/// `masked_secrets.<ENV>`: validated fully; skipped when the value is unset.
pub(crate) fn parse_masked_secrets(
    field: &Field<'_>,
    d: &mut Diagnostics,
) -> BTreeMap<String, MaskedSecret> {
    let mut out = BTreeMap::new();
    for entry in field.entries(d) {
        let f = entry_field(&field.path, entry);
        if !check_env_name(&entry.key, &f.path, entry.key_line, d) {
            continue;
        }
        let Some(s) = f.section(
            d,
            &["value", "scopes", "headers", "allow_foreign_credentials"],
        ) else {
            if !f.is_present() {
                d.error(
                    &f.path,
                    entry.key_line,
                    "expected a mapping with value, scopes and headers",
                );
            }
            continue;
        };
        let value = s.field("value").opt_secret(d);
        let scopes = s.field("scopes").req_str_list(d);
        let headers = s.field("headers").req_str_list(d);
        let allow_foreign_credentials = s.field("allow_foreign_credentials").bool_or(d, false);
        if let (Some(value), Some(scopes), Some(headers)) = (value, scopes, headers) {
            out.insert(
                entry.key.clone(),
                MaskedSecret {
                    value,
                    scopes,
                    headers,
                    allow_foreign_credentials,
                },
            );
        }
    }
    out
}

const SIGNING_KEYS: &[&str] = &[
    "type",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "scopes",
];

pub(crate) fn parse_signing_credentials(
    field: &Field<'_>,
    d: &mut Diagnostics,
) -> BTreeMap<String, SigningCredential> {
    let mut out = BTreeMap::new();
    for entry in field.entries(d) {
        let f = entry_field(&field.path, entry);
        let Some(s) = f.section(d, SIGNING_KEYS) else {
            if !f.is_present() {
                d.error(
                    &f.path,
                    entry.key_line,
                    "expected a mapping with type, access_key_id, secret_access_key and scopes",
                );
            }
            continue;
        };
        let kind_field = s.field("type");
        let kind = kind_field.req_str(d).and_then(|t| {
            if t == "aws-sigv4" {
                Some(SigningKind::AwsSigV4)
            } else {
                d.error(
                    &kind_field.path,
                    kind_field.line(),
                    "the only supported type is aws-sigv4",
                );
                None
            }
        });
        let access_key_id = signing_field(&s.field("access_key_id"), true, d);
        let secret_access_key = signing_field(&s.field("secret_access_key"), true, d);
        let session_token = signing_field(&s.field("session_token"), false, d);
        let scopes = s.field("scopes").req_str_list(d);
        if let (
            Some(kind),
            Some(Some(access_key_id)),
            Some(Some(secret_access_key)),
            Some(session_token),
            Some(scopes),
        ) = (
            kind,
            access_key_id,
            secret_access_key,
            session_token,
            scopes,
        ) {
            out.insert(
                entry.key.clone(),
                SigningCredential {
                    kind,
                    access_key_id,
                    secret_access_key,
                    session_token,
                    scopes,
                },
            );
        }
    }
    out
}

/// `{name, value}`. Outer `None`: invalid (reported). Inner `None`: an
/// optional field that is absent or whose value is unset.
fn signing_field(
    field: &Field<'_>,
    required: bool,
    d: &mut Diagnostics,
) -> Option<Option<SigningCredentialField>> {
    if !field.is_present() {
        if required {
            d.error(
                &field.path,
                field.parent_line,
                "required key is missing (a mapping with name and value)",
            );
            return None;
        }
        return Some(None);
    }
    let s: Section<'_> = field.section(d, &["name", "value"])?;
    let name_field = s.field("name");
    let name = name_field.req_str(d);
    if let Some(name) = &name
        && !check_env_name(name, &name_field.path, name_field.line(), d)
    {
        return None;
    }
    let value = if required {
        s.field("value").req_secret(d)
    } else {
        s.field("value").opt_secret(d)
    };
    let name = name?;
    match value {
        Some(value) => Some(Some(SigningCredentialField { name, value })),
        None if required => None,
        None => Some(None),
    }
}

const GITHUB_APP_KEYS: &[&str] = &[
    "app_id",
    "private_key",
    "installation_id",
    "scopes",
    "allow_foreign_credentials",
    "base_url",
    "permissions",
    "repositories",
];

const DEFAULT_GITHUB_API: &str = "https://api.github.com";

pub(crate) fn parse_github_apps(
    field: &Field<'_>,
    d: &mut Diagnostics,
) -> BTreeMap<String, GitHubAppCredential> {
    let mut out = BTreeMap::new();
    for entry in field.entries(d) {
        let f = entry_field(&field.path, entry);
        if !check_env_name(&entry.key, &f.path, entry.key_line, d) {
            continue;
        }
        let Some(s) = f.section(d, GITHUB_APP_KEYS) else {
            if !f.is_present() {
                d.error(
                    &f.path,
                    entry.key_line,
                    "expected a mapping with app_id, private_key, installation_id and scopes",
                );
            }
            continue;
        };
        let app_id = s.field("app_id").req_str(d);
        let key_field = s.field("private_key");
        let private_key = key_field.req_secret(d).filter(|k| {
            let pem = k.expose().contains("-----BEGIN") && k.expose().contains("PRIVATE KEY-----");
            if !pem {
                d.error(
                    &key_field.path,
                    key_field.line(),
                    "expected a PEM private key (-----BEGIN … PRIVATE KEY-----)",
                );
            }
            pem
        });
        let installation_id = s
            .field("installation_id")
            .req_int(d, IntRange::AtLeast(1))
            .and_then(|v| u64::try_from(v).ok());
        let scopes = s.field("scopes").req_str_list(d);
        let allow_foreign_credentials = s.field("allow_foreign_credentials").bool_or(d, false);
        let url_field = s.field("base_url");
        let base_url = url_field.str_or(d, DEFAULT_GITHUB_API);
        let base_ok = base_url.starts_with("https://") && base_url.len() > "https://".len();
        if !base_ok {
            d.error(&url_field.path, url_field.line(), "must be an https:// URL");
        }
        let permissions = string_map(&s.field("permissions"), d);
        let repositories = s.field("repositories").opt_str_list(d);
        if let (Some(app_id), Some(private_key), Some(installation_id), Some(scopes), true) =
            (app_id, private_key, installation_id, scopes, base_ok)
        {
            out.insert(
                entry.key.clone(),
                GitHubAppCredential {
                    app_id,
                    private_key,
                    installation_id,
                    scopes,
                    allow_foreign_credentials,
                    base_url: base_url.trim_end_matches('/').to_owned(),
                    permissions,
                    repositories,
                },
            );
        }
    }
    out
}

/// A mapping of string → string (`permissions`).
fn string_map(field: &Field<'_>, d: &mut Diagnostics) -> Option<BTreeMap<String, String>> {
    let map = field.map(d)?;
    let mut out = BTreeMap::new();
    for entry in &map.entries {
        let f = entry_field(&field.path, entry);
        if let Some(v) = f.req_str(d) {
            out.insert(entry.key.clone(), v);
        }
    }
    Some(out)
}

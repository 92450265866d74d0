//! The loading pipeline (C-1): bytes → SHA-256 → YAML tree → migrations →
//! `vars:` / `!var` / `!env` resolution → validated `ServerConfig`.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::diagnostics::Diagnostics;
use super::env_source::EnvSource;
use super::errors::{ConfigError, ConfigErrors};
use super::migrate::{CURRENT_CONFIG_VERSION, migrate, read_version};
use super::secret::SecretRegistry;
use super::server::{ServerConfig, parse_server};
use super::vars::resolve_tags;
use super::yaml_tree::{Value, parse_yaml};

/// A successfully loaded config and what was learnt on the way.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: ServerConfig,
    /// Every secret value in the config, for log redaction.
    pub secrets: SecretRegistry,
    /// Non-fatal findings (`path (line N): message`), e.g. ignored blocks.
    pub warnings: Vec<String>,
    /// Hex SHA-256 of the file bytes, to detect changes.
    pub source_sha256: String,
    /// `config_version` as written in the file (1 when absent), before
    /// migration.
    pub schema_version_found: u32,
}

/// Loads `path` with `!env` resolved from the process environment layered
/// over `<config dir>/.env` and `./.env`. A missing file is an error (see
/// [`ConfigErrors::is_file_missing`]).
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigErrors> {
    let env = EnvSource::for_config_file(path).map_err(|e| {
        ConfigErrors::single(ConfigError::new(
            "",
            None,
            format!("cannot read a .env file: {e}"),
        ))
    })?;
    load_with_env(path, &env)
}

/// Loads `path`, resolving `!env` through `env` only.
pub fn load_with_env(path: &Path, env: &EnvSource) -> Result<LoadedConfig, ConfigErrors> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigErrors::missing_file(ConfigError::new(
                "",
                None,
                format!("config file {} does not exist", path.display()),
            )));
        }
        Err(e) => {
            return Err(ConfigErrors::single(ConfigError::new(
                "",
                None,
                format!("cannot read config file {}: {e}", path.display()),
            )));
        }
    };
    let sha = sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| {
        ConfigErrors::single(ConfigError::new(
            "",
            None,
            format!(
                "config file {} is not UTF-8 (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        ))
    })?;
    load_text(&text, env, sha)
}

/// Loads YAML text (tests, `airut init` checks).
pub fn load_str(text: &str, env: &EnvSource) -> Result<LoadedConfig, ConfigErrors> {
    load_text(text, env, sha256_hex(text.as_bytes()))
}

fn load_text(
    text: &str,
    env: &EnvSource,
    source_sha256: String,
) -> Result<LoadedConfig, ConfigErrors> {
    let doc = parse_yaml(text).map_err(ConfigErrors::single)?;
    let Some(root) = doc.root else {
        return Err(ConfigErrors::single(ConfigError::new(
            "",
            None,
            "the config file is empty; expected a mapping such as `repos: {...}`",
        )));
    };
    let line = root.line;
    let Value::Map(mut root) = root.value else {
        return Err(ConfigErrors::single(ConfigError::new(
            "",
            Some(line),
            format!(
                "the top level must be a mapping of keys, got {}",
                root.kind_name()
            ),
        )));
    };
    let mut d = Diagnostics::default();
    d.errors.extend(doc.errors);

    let version = read_version(&root).map_err(ConfigErrors::single)?;
    let refused = migrate(&mut root, version);
    if !refused.is_empty() {
        return Err(ConfigErrors::new(refused));
    }
    if version < CURRENT_CONFIG_VERSION {
        d.warn(
            "config_version",
            root.entry("config_version").map_or(1, |e| e.key_line),
            format!(
                "the file uses config_version {version}; it was upgraded to {CURRENT_CONFIG_VERSION} \
                 in memory (the file itself is unchanged)"
            ),
        );
    }

    resolve_tags(&mut root, env, &mut d);
    let config = parse_server(&root, env, &mut d);

    // Messages never quote secret fields, but a value used both as a secret
    // and elsewhere (through a shared variable) could still be echoed.
    let redact = |s: &str| d.secrets.redact(s).into_owned();
    if !d.errors.is_empty() {
        let errors = d
            .errors
            .iter()
            .map(|e| ConfigError::new(e.path.clone(), e.line, redact(&e.message)))
            .collect();
        return Err(ConfigErrors::new(errors));
    }
    let warnings = d.warnings.iter().map(|w| redact(w)).collect();
    Ok(LoadedConfig {
        config,
        secrets: d.secrets,
        warnings,
        source_sha256,
        schema_version_found: version,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

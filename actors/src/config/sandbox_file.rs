//! `.airut/sandbox.yaml`: what `airut sandbox run` (the sandbox for CI)
//! reads from a checkout. Same YAML rules as the server config (`!env`,
//! line-numbered errors, strict keys), but no `vars:` and no migrations.
//!
//! Keys: `env` (name → value, `!env` allowed; an unset `!env` is an error,
//! because a CI job silently missing a variable is worse than one that
//! stops), `pass_env` (host variables copied when set), `network_sandbox`
//! (default true), `resource_limits` (as in the server config).

use std::collections::BTreeMap;
use std::path::Path;

use super::diagnostics::Diagnostics;
use super::env_source::EnvSource;
use super::errors::{ConfigError, ConfigErrors};
use super::fields::{Section, entry_field};
use super::repo::{ResourceLimits, parse_resource_limits};
use super::vars::resolve_tags;
use super::yaml_tree::{Origin, Scalar, Value, parse_yaml};

const KNOWN: &[&str] = &[
    "env",
    "pass_env",
    "network_sandbox",
    "resource_limits",
    "masked_secrets",
    "signing_credentials",
];

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxFile {
    pub env: BTreeMap<String, String>,
    pub pass_env: Vec<String>,
    pub network_sandbox: bool,
    pub resource_limits: ResourceLimits,
}

impl Default for SandboxFile {
    fn default() -> Self {
        SandboxFile {
            env: BTreeMap::new(),
            pass_env: Vec::new(),
            network_sandbox: true,
            resource_limits: ResourceLimits::default(),
        }
    }
}

/// Reads `path`; a missing file means the defaults.
pub fn load_sandbox_file(path: &Path, env: &EnvSource) -> Result<SandboxFile, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_sandbox_file(&text, env),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SandboxFile::default()),
        Err(e) => Err(ConfigErrors::single(ConfigError::new(
            "",
            None,
            format!("cannot read {}: {e}", path.display()),
        ))),
    }
}

pub fn parse_sandbox_file(text: &str, env: &EnvSource) -> Result<SandboxFile, ConfigErrors> {
    let doc = parse_yaml(text).map_err(ConfigErrors::single)?;
    let Some(root) = doc.root else {
        return Ok(SandboxFile::default());
    };
    let line = root.line;
    let mut root = match root.value {
        Value::Map(map) => map,
        Value::Scalar(Scalar { text: None, .. }) => return Ok(SandboxFile::default()),
        _ => {
            return Err(ConfigErrors::single(ConfigError::new(
                "",
                Some(line),
                format!("the top level must be a mapping, got {}", root.kind_name()),
            )));
        }
    };
    let mut d = Diagnostics::default();
    d.errors.extend(doc.errors);
    // Unset `!env` values must be reported, not dropped: note them first.
    let mut unset = Vec::new();
    if let Some(entries) = root.get("env").and_then(|n| n.as_map()) {
        for entry in &entries.entries {
            if let Value::Env(name) = &entry.value.value
                && env.get(name).is_none()
            {
                unset.push((format!("env.{}", entry.key), entry.value.line, name.clone()));
            }
        }
    }
    resolve_tags(&mut root, env, &mut d);
    for (path, line, name) in unset {
        d.error(
            &path,
            line,
            format!("!env {name} is not set in the environment"),
        );
    }
    let s = Section::new(String::new(), 1, &root, KNOWN, &mut d);
    for key in ["masked_secrets", "signing_credentials"] {
        let field = s.field(key);
        if field.is_present() {
            d.error(
                &field.path,
                field.line(),
                "not supported by this version of `airut sandbox run` yet (it needs the network sandbox's credential masking)",
            );
        }
    }
    let mut file = SandboxFile {
        network_sandbox: s.field("network_sandbox").bool_or(&mut d, true),
        resource_limits: parse_resource_limits(&s.field("resource_limits"), &mut d),
        pass_env: s.field("pass_env").opt_str_list(&mut d).unwrap_or_default(),
        ..SandboxFile::default()
    };
    for entry in s.field("env").entries(&mut d) {
        let field = entry_field("env", entry);
        if !is_env_name(&entry.key) {
            d.error(
                &field.path,
                entry.key_line,
                "not a valid environment variable name",
            );
            continue;
        }
        // An unset `!env` was reported above; a literal null is an empty value.
        let is_unset_env = matches!(
            &entry.value.value,
            Value::Scalar(Scalar {
                text: None,
                origin: Origin::Env(_)
            })
        );
        if let Some(value) = field.opt_str(&mut d) {
            file.env.insert(entry.key.clone(), value);
        } else if !is_unset_env {
            file.env.insert(entry.key.clone(), String::new());
        }
    }
    for name in &file.pass_env {
        if !is_env_name(name) {
            d.error(
                "pass_env",
                s.field("pass_env").line(),
                format!("{name:?} is not a valid environment variable name"),
            );
        }
    }
    if d.errors.is_empty() {
        Ok(file)
    } else {
        Err(ConfigErrors::new(d.errors))
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<SandboxFile, ConfigErrors> {
        parse_sandbox_file(text, &EnvSource::from_pairs(env.iter().copied()))
    }

    #[test]
    fn empty_or_missing_is_default() {
        assert_eq!(parse("", &[]).expect("ok"), SandboxFile::default());
        let missing =
            load_sandbox_file(Path::new("/nonexistent/sandbox.yaml"), &EnvSource::empty());
        assert_eq!(missing.expect("ok"), SandboxFile::default());
    }

    #[test]
    fn full_file() {
        let file = parse(
            "env:\n  A: one\n  B: !env HOST_B\n  C:\npass_env: [HOME, CI]\nnetwork_sandbox: false\nresource_limits:\n  timeout: 60\n  memory: 512m\n",
            &[("HOST_B", "two")],
        )
        .expect("valid");
        assert_eq!(file.env.get("A").map(String::as_str), Some("one"));
        assert_eq!(file.env.get("B").map(String::as_str), Some("two"));
        assert_eq!(file.env.get("C").map(String::as_str), Some(""));
        assert_eq!(file.pass_env, vec!["HOME", "CI"]);
        assert!(!file.network_sandbox);
        assert_eq!(
            file.resource_limits.timeout,
            Some(std::time::Duration::from_secs(60))
        );
        assert_eq!(file.resource_limits.memory.as_deref(), Some("512m"));
    }

    #[test]
    fn unset_env_is_an_error_with_its_line() {
        let err = parse("env:\n  A: one\n  TOKEN: !env MISSING_TOKEN\n", &[]).expect_err("unset");
        let text = err.to_string();
        assert!(
            text.contains("env.TOKEN (line 3): !env MISSING_TOKEN is not set"),
            "{text}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_all_reported() {
        let err = parse(
            "network_sandbox: maybe\nresource_limits:\n  timeout: 2\nextra: 1\n",
            &[],
        )
        .expect_err("bad");
        let text = err.to_string();
        assert!(text.contains("network_sandbox (line 1)"), "{text}");
        assert!(text.contains("resource_limits.timeout (line 3)"), "{text}");
        assert!(text.contains("extra (line 4)"), "{text}");
    }

    #[test]
    fn credential_keys_are_refused_clearly() {
        let err = parse("masked_secrets:\n  GH_TOKEN: {value: x}\n", &[]).expect_err("refused");
        assert!(
            err.to_string().contains("not supported by this version"),
            "{err}"
        );
    }
}

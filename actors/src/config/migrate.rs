//! Schema migrations from `config_version` 1–4 to the current version 5.
//!
//! They work on the raw tree before any `!env`/`!var` is resolved, so tags
//! survive, and they tolerate missing or oddly-typed keys (validation reports
//! those later). Applying a migration twice changes nothing.

use super::errors::ConfigError;
use super::yaml_tree::{Mapping, Node, Origin, Scalar, Value};

/// The schema version this code reads.
pub const CURRENT_CONFIG_VERSION: u32 = 5;

/// `config_version` of the file: 1 when absent.
pub(crate) fn read_version(root: &Mapping) -> Result<u32, ConfigError> {
    let Some(entry) = root.entry("config_version") else {
        return Ok(1);
    };
    let line = Some(entry.value.line);
    let parsed = match &entry.value.value {
        Value::Scalar(Scalar { text: Some(t), .. }) => {
            t.trim().parse::<u32>().ok().filter(|v| *v >= 1)
        }
        _ => None,
    };
    match parsed {
        Some(v) if v > CURRENT_CONFIG_VERSION => Err(ConfigError::new(
            "config_version",
            line,
            format!(
                "version {v} is newer than this Airut understands ({CURRENT_CONFIG_VERSION}); \
                 update Airut or restore an older config"
            ),
        )),
        Some(v) => Ok(v),
        None => Err(ConfigError::new(
            "config_version",
            line,
            "expected a plain positive integer (tags are not allowed here)",
        )),
    }
}

/// Upgrades `root` from `from` to the current version. Errors mean the file
/// cannot be upgraded automatically; nothing else should be reported then.
pub(crate) fn migrate(root: &mut Mapping, from: u32) -> Vec<ConfigError> {
    if from <= 1 {
        let refused = refuse_repo_level_email_auth(root);
        if !refused.is_empty() {
            return refused;
        }
    }
    if from <= 2 {
        global_resource_limits_to_vars(root);
    }
    if from <= 3 {
        nest_email_keys(root);
    }
    if from <= 4 {
        flatten_git_and_container(root);
    }
    let line = root.entry("config_version").map_or(1, |e| e.key_line);
    root.insert(
        "config_version",
        line,
        Node::scalar(
            Some(CURRENT_CONFIG_VERSION.to_string()),
            Origin::Plain,
            line,
        ),
    );
    Vec::new()
}

/// Email authorization keys that version 1 allowed directly under a repo.
const V1_REPO_LEVEL_EMAIL_KEYS: [&str; 4] = [
    "authorized_senders",
    "trusted_authserv_id",
    "microsoft_internal_auth_fallback",
    "imap",
];

/// 1 → 2. Refused rather than automated: moving who-may-send rules by
/// machine could silently widen access if the target block already exists.
fn refuse_repo_level_email_auth(root: &Mapping) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let Some(repos) = root.get("repos").and_then(Node::as_map) else {
        return errors;
    };
    for repo in &repos.entries {
        let Some(fields) = repo.value.as_map() else {
            continue;
        };
        for entry in &fields.entries {
            if V1_REPO_LEVEL_EMAIL_KEYS.contains(&entry.key.as_str()) {
                errors.push(ConfigError::new(
                    format!("repos.{}.{}", repo.key, entry.key),
                    Some(entry.key_line),
                    "must be nested under `email:` (config_version 1 layout); move it there \
                     by hand, Airut never moves sender authorization automatically \
                     (see config/airut.example.yaml)",
                ));
            }
        }
    }
    errors
}

const RESOURCE_LIMIT_FIELDS: [&str; 4] = ["timeout", "memory", "cpus", "pids_limit"];

/// 2 → 3. A top-level `resource_limits:` block becomes variables
/// `default_resource_<field>` referenced by every repo that does not set the
/// field itself.
fn global_resource_limits_to_vars(root: &mut Mapping) {
    let Some(global) = root.remove("resource_limits") else {
        return;
    };
    let Value::Map(global) = global.value.value else {
        return;
    };
    let values: Vec<(&str, Node)> = RESOURCE_LIMIT_FIELDS
        .iter()
        .filter_map(|f| {
            global
                .get(f)
                .filter(|n| !n.is_null())
                .map(|n| (*f, n.clone()))
        })
        .collect();
    if values.is_empty() {
        return;
    }
    let vars_line = values.first().map_or(1, |(_, n)| n.line);
    if !root.contains_key("vars") || root.get("vars").is_some_and(Node::is_null) {
        root.insert(
            "vars",
            vars_line,
            Node::new(Value::Map(Mapping::default()), vars_line),
        );
    }
    let Some(vars) = root.get_mut("vars").and_then(Node::as_map_mut) else {
        // `vars:` is not a mapping; validation reports it.
        return;
    };
    let mut refs: Vec<(&str, String, usize)> = Vec::new();
    for (field, node) in values {
        let name = unique_var_name(&format!("default_resource_{field}"), vars);
        let line = node.line;
        vars.insert(&name, line, node);
        refs.push((field, name, line));
    }
    let Some(repos) = root.get_mut("repos").and_then(Node::as_map_mut) else {
        return;
    };
    for repo in &mut repos.entries {
        let repo_line = repo.key_line;
        let Some(repo) = repo.value.as_map_mut() else {
            continue;
        };
        if repo.get("resource_limits").is_none_or(Node::is_null) {
            repo.insert(
                "resource_limits",
                repo_line,
                Node::new(Value::Map(Mapping::default()), repo_line),
            );
        }
        let Some(limits) = repo.get_mut("resource_limits").and_then(Node::as_map_mut) else {
            continue;
        };
        for (field, name, line) in &refs {
            if !limits.contains_key(field) {
                limits.insert(field, *line, Node::new(Value::Var(name.clone()), *line));
            }
        }
    }
}

/// `desired`, or `desired_2`, `desired_3`… whichever is free in `vars`.
fn unique_var_name(desired: &str, vars: &Mapping) -> String {
    if !vars.contains_key(desired) {
        return desired.to_owned();
    }
    (2..)
        .map(|n| format!("{desired}_{n}"))
        .find(|name| !vars.contains_key(name))
        .unwrap_or_else(|| desired.to_owned())
}

/// 3 → 4: flat `email:` keys → (section, key).
const V4_EMAIL_MOVES: [(&str, &str, &str); 11] = [
    ("username", "account", "username"),
    ("password", "account", "password"),
    ("from", "account", "from"),
    ("imap_server", "imap", "server"),
    ("imap_port", "imap", "port"),
    ("smtp_server", "smtp", "server"),
    ("smtp_port", "smtp", "port"),
    ("smtp_require_auth", "smtp", "require_auth"),
    ("authorized_senders", "auth", "authorized_senders"),
    ("trusted_authserv_id", "auth", "trusted_authserv_id"),
    (
        "microsoft_internal_auth_fallback",
        "auth",
        "microsoft_internal_fallback",
    ),
];

/// 3 → 4. Flat email keys move into `account`/`imap`/`smtp`/`auth`.
fn nest_email_keys(root: &mut Mapping) {
    for_each_repo(root, |repo| {
        let Some(email) = repo.get_mut("email").and_then(Node::as_map_mut) else {
            return;
        };
        for (old, section, new) in V4_EMAIL_MOVES {
            let Some(entry) = email.entry(old) else {
                continue;
            };
            if email
                .get(section)
                .is_some_and(|n| n.as_map().is_none() && !n.is_null())
            {
                // The target exists but is not a mapping: leave the key where
                // it is so validation points at both.
                continue;
            }
            let key_line = entry.key_line;
            let Some(entry) = email.remove(old) else {
                continue;
            };
            if email.get(section).is_none_or(Node::is_null) {
                email.insert(
                    section,
                    key_line,
                    Node::new(Value::Map(Mapping::default()), key_line),
                );
            }
            if let Some(target) = email.get_mut(section).and_then(Node::as_map_mut) {
                target.insert(new, key_line, entry.value);
            }
        }
    });
}

/// 4 → 5. `git.repo_url` → `repo_url`, `container.path` → `container_path`.
fn flatten_git_and_container(root: &mut Mapping) {
    for_each_repo(root, |repo| {
        hoist(repo, "git", "repo_url", "repo_url");
        hoist(repo, "container", "path", "container_path");
    });
}

/// Moves `repo.<wrapper>.<inner>` to `repo.<target>`, dropping the wrapper
/// once empty.
fn hoist(repo: &mut Mapping, wrapper: &str, inner: &str, target: &str) {
    let Some(section) = repo.get_mut(wrapper).and_then(Node::as_map_mut) else {
        return;
    };
    let Some(entry) = section.remove(inner) else {
        return;
    };
    let now_empty = section.is_empty();
    if now_empty {
        repo.remove(wrapper);
    }
    repo.insert(target, entry.key_line, entry.value);
}

fn for_each_repo(root: &mut Mapping, mut f: impl FnMut(&mut Mapping)) {
    let Some(repos) = root.get_mut("repos").and_then(Node::as_map_mut) else {
        return;
    };
    for repo in &mut repos.entries {
        if let Some(map) = repo.value.as_map_mut() {
            f(map);
        }
    }
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;

//! `.airut/network-allowlist.yaml`: which hosts, paths and methods a task
//! may reach. Read by the gateway from the repository's default branch at
//! every task start and handed to the proxy as an
//! [`airut_proxy::policy::Allowlist`].
//!
//! Strict where the Python Airut was lenient (it iterated the characters of
//! `domains: "github.com"` and ignored unknown keys): every key and type is
//! checked, every problem is reported at once with its key path and line,
//! and entries that could never match (a port in a host, a query in a
//! path, a method that is not a token) are errors, because a silent block
//! costs the agent a task and a silent allow is worse. Matching rules and
//! the lints themselves live in `airut_proxy::policy`; see
//! `spec/network-allowlist.md`.
//!
//! No `!env` / `!var`: the file comes from the repository, so it must not
//! read the server's environment; such tags are reported like any other
//! value of the wrong type.

use std::path::Path;

use airut_proxy::policy::{
    Allowlist, UrlPrefix, host_pattern_problem, method_problem, path_pattern_problem,
};

use super::diagnostics::Diagnostics;
use super::errors::{ConfigError, ConfigErrors};
use super::fields::{Field, Section};
use super::yaml_tree::{Node, Scalar, Value, parse_yaml};

const TOP_KEYS: &[&str] = &["domains", "url_prefixes"];
const ENTRY_KEYS: &[&str] = &["host", "path", "methods"];
const NOT_SUPPORTED: &[(&str, &str)] = &[(
    "graphql",
    "GraphQL operation allowlists are not supported by Airut (Rust); remove the `graphql` block \
     (the entry then allows every operation on its path) or narrow the entry's path and methods",
)];

/// Reads the allowlist at `path`. A missing file is an error naming the
/// path: the gateway must not start a task with an allowlist it could not
/// read, and "no file" is not the same as "allow nothing" to the person who
/// forgot to commit it.
pub fn load_allowlist(path: &Path) -> Result<Allowlist, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_allowlist(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(ConfigErrors::single(ConfigError::new(
                "",
                None,
                format!(
                    "{} does not exist; the network sandbox needs it (an empty file allows nothing)",
                    path.display()
                ),
            )))
        }
        Err(e) => Err(ConfigErrors::single(ConfigError::new(
            "",
            None,
            format!("cannot read {}: {e}", path.display()),
        ))),
    }
}

/// Parses the allowlist text. An empty document (or only comments, or
/// `null`) is an empty allowlist, which blocks everything.
pub fn parse_allowlist(text: &str) -> Result<Allowlist, ConfigErrors> {
    let doc = parse_yaml(text).map_err(ConfigErrors::single)?;
    let Some(root) = doc.root else {
        return finish(Allowlist::default(), doc.errors);
    };
    let map = match &root.value {
        Value::Map(map) => map,
        Value::Scalar(Scalar { text: None, .. }) => {
            return finish(Allowlist::default(), doc.errors);
        }
        _ => {
            return Err(ConfigErrors::single(ConfigError::new(
                "",
                Some(root.line),
                format!(
                    "the top level must be a mapping with `domains` and/or `url_prefixes`, got {}",
                    root.kind_name()
                ),
            )));
        }
    };
    let mut d = Diagnostics::default();
    d.errors.extend(doc.errors);
    let s = Section::new(String::new(), 1, map, TOP_KEYS, &mut d);
    let allowlist = Allowlist {
        domains: host_list(&s.field("domains"), &mut d),
        url_prefixes: url_prefixes(&s.field("url_prefixes"), &mut d),
    };
    finish(allowlist, d.errors)
}

fn finish(allowlist: Allowlist, errors: Vec<ConfigError>) -> Result<Allowlist, ConfigErrors> {
    if errors.is_empty() {
        Ok(allowlist)
    } else {
        Err(ConfigErrors::new(errors))
    }
}

/// The items of a list field; absent or null = no items. Anything else is
/// reported, with an example of the list form, since `domains: github.com`
/// is the likely mistake.
fn items<'a>(field: &Field<'a>, d: &mut Diagnostics, example: &str) -> &'a [Node] {
    let Some(node) = field.node else {
        return &[];
    };
    match &node.value {
        Value::Seq(items) => items,
        Value::Scalar(Scalar { text: None, .. }) => &[],
        _ => {
            d.error(
                &field.path,
                node.line,
                format!(
                    "expected a list, got {} (write it as {example})",
                    node.kind_name()
                ),
            );
            &[]
        }
    }
}

/// A non-empty string item, or `None` after reporting why not.
fn string_item(path: &str, item: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    match &item.value {
        Value::Scalar(Scalar {
            text: Some(text), ..
        }) if !text.is_empty() => Some(text.clone()),
        Value::Scalar(_) => {
            d.error(path, item.line, format!("{what} is empty"));
            None
        }
        _ => {
            d.error(
                path,
                item.line,
                format!("expected {what} (a string), got {}", item.kind_name()),
            );
            None
        }
    }
}

/// `domains:`: host patterns, kept in file order (and with duplicates) so
/// that `domains[i]` in the network log points at the line in the file.
fn host_list(field: &Field<'_>, d: &mut Diagnostics) -> Vec<String> {
    let mut out = Vec::new();
    for (i, item) in items(field, d, "`domains: [github.com]`")
        .iter()
        .enumerate()
    {
        let path = format!("{}[{i}]", field.path);
        let Some(host) = string_item(&path, item, "a host pattern", d) else {
            continue;
        };
        match host_pattern_problem(&host) {
            Some(problem) => d.error(&path, item.line, problem),
            None => out.push(host),
        }
    }
    out
}

fn url_prefixes(field: &Field<'_>, d: &mut Diagnostics) -> Vec<UrlPrefix> {
    let example = "`url_prefixes: [{host: api.github.com, path: /repos/*}]`";
    let mut out = Vec::new();
    for (i, item) in items(field, d, example).iter().enumerate() {
        let path = format!("{}[{i}]", field.path);
        let Value::Map(map) = &item.value else {
            d.error(
                &path,
                item.line,
                format!(
                    "expected a mapping with `host` and optional `path` and `methods`, got {}",
                    item.kind_name()
                ),
            );
            continue;
        };
        let s = Section::with_moved(path, item.line, map, ENTRY_KEYS, NOT_SUPPORTED, d);
        if let Some(entry) = url_prefix(&s, d) {
            out.push(entry);
        }
    }
    out
}

/// One `url_prefixes` entry; `None` without a usable host. Other problems
/// are reported and fail the whole file, so the value returned then is
/// never used.
fn url_prefix(s: &Section<'_>, d: &mut Diagnostics) -> Option<UrlPrefix> {
    let host_field = s.field("host");
    let host = host_field.req_str(d);
    if let Some(problem) = host.as_deref().and_then(host_pattern_problem) {
        d.error(&host_field.path, host_field.line(), problem);
    }
    let path_field = s.field("path");
    let path = path_field.opt_str(d).unwrap_or_default();
    if let Some(problem) = path_pattern_problem(&path) {
        d.error(&path_field.path, path_field.line(), problem);
    }
    let methods = method_list(&s.field("methods"), d);
    Some(UrlPrefix {
        host: host?,
        path,
        methods,
    })
}

/// `methods:`: HTTP method tokens, upper-cased; empty or absent = all.
fn method_list(field: &Field<'_>, d: &mut Diagnostics) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items(field, d, "`methods: [GET, HEAD]`").iter().enumerate() {
        let path = format!("{}[{i}]", field.path);
        let Some(method) = string_item(&path, item, "an HTTP method", d) else {
            continue;
        };
        if let Some(problem) = method_problem(&method) {
            d.error(&path, item.line, format!("{problem}, got {method:?}"));
            continue;
        }
        let method = method.to_ascii_uppercase();
        if !out.contains(&method) {
            out.push(method);
        }
    }
    out
}

#[cfg(test)]
#[path = "allowlist_file_tests.rs"]
mod tests;

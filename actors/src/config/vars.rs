//! Resolution of `vars:` and of every `!var` / `!env` tag in the tree.
//!
//! After this step the tree holds only plain scalars, lists and mappings;
//! each scalar remembers whether it came from `!env` or `!var` so errors can
//! say so. Rules (as the Python Airut): a variable is a scalar or an `!env`;
//! `!var` inside `vars:` and list/mapping values are errors; an unset `!env`
//! gives null; a `!var` naming no variable is an error.

use std::collections::HashMap;

use super::diagnostics::Diagnostics;
use super::env_source::EnvSource;
use super::fields::child_path;
use super::yaml_tree::{Mapping, Node, Origin, Scalar, Value};

enum VarValue {
    Value(Option<String>),
    /// The definition itself was an error (already reported): references
    /// resolve to null without a second error.
    Broken,
}

/// Removes `vars:` from `root` and replaces every tag in the tree.
pub(crate) fn resolve_tags(root: &mut Mapping, env: &EnvSource, d: &mut Diagnostics) {
    let table = match root.remove("vars") {
        Some(entry) => read_vars(&entry.value, env, d),
        None => HashMap::new(),
    };
    for entry in &mut root.entries {
        let path = entry.key.clone();
        resolve_node(&mut entry.value, &path, &table, env, d);
    }
}

fn read_vars(node: &Node, env: &EnvSource, d: &mut Diagnostics) -> HashMap<String, VarValue> {
    let mut table = HashMap::new();
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Scalar(Scalar { text: None, .. }) => return table,
        _ => {
            d.error(
                "vars",
                node.line,
                format!(
                    "expected a mapping of name: value, got {}",
                    node.kind_name()
                ),
            );
            return table;
        }
    };
    for entry in &map.entries {
        let path = child_path("vars", &entry.key);
        let line = entry.value.line;
        let value = match &entry.value.value {
            Value::Scalar(s) => VarValue::Value(s.text.clone()),
            Value::Env(name) => VarValue::Value(env.get(name).map(str::to_owned)),
            Value::Var(_) => {
                d.error(&path, line, "a variable cannot refer to another variable (`!var` is not allowed inside `vars:`)");
                VarValue::Broken
            }
            Value::Seq(_) | Value::Map(_) => {
                d.error(
                    &path,
                    line,
                    format!(
                        "a variable must be a single value or !env, not {}",
                        entry.value.kind_name()
                    ),
                );
                VarValue::Broken
            }
        };
        table.insert(entry.key.clone(), value);
    }
    table
}

fn resolve_node(
    node: &mut Node,
    path: &str,
    table: &HashMap<String, VarValue>,
    env: &EnvSource,
    d: &mut Diagnostics,
) {
    match &mut node.value {
        Value::Env(name) => {
            let text = env.get(name).map(str::to_owned);
            let origin = Origin::Env(std::mem::take(name));
            node.value = Value::Scalar(Scalar { text, origin });
        }
        Value::Var(name) => {
            let text = match table.get(name.as_str()) {
                Some(VarValue::Value(v)) => v.clone(),
                Some(VarValue::Broken) => None,
                None => {
                    d.error(
                        path,
                        node.line,
                        format!("undefined variable `{name}` (define it under `vars:`)"),
                    );
                    None
                }
            };
            let origin = Origin::Var(std::mem::take(name));
            node.value = Value::Scalar(Scalar { text, origin });
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                resolve_node(item, &format!("{path}[{i}]"), table, env, d);
            }
        }
        Value::Map(map) => {
            for entry in &mut map.entries {
                let child = child_path(path, &entry.key);
                resolve_node(&mut entry.value, &child, table, env, d);
            }
        }
        Value::Scalar(_) => {}
    }
}

#[cfg(test)]
#[path = "vars_tests.rs"]
mod tests;

//! The dashboard settings of a config file that does not load, so that
//! `airut run --resilient` can show the error where the operator expects
//! the dashboard (gateway.md W-23). Whatever parses is used; anything that
//! does not falls back to the defaults.

use std::path::Path;

use super::diagnostics::Diagnostics;
use super::env_source::EnvSource;
use super::migrate::{migrate, read_version};
use super::server::{DashboardConfig, parse_server};
use super::vars::resolve_tags;
use super::yaml_tree::{Value, parse_yaml};

/// `dashboard:` of the file at `path` as far as it is readable.
pub fn dashboard_fallback(path: &Path) -> DashboardConfig {
    let Ok(text) = std::fs::read_to_string(path) else {
        return DashboardConfig::default();
    };
    let env = EnvSource::for_config_file(path).unwrap_or_else(|_| EnvSource::from_process());
    dashboard_from_text(&text, &env)
}

/// [`dashboard_fallback`] on text.
pub fn dashboard_from_text(text: &str, env: &EnvSource) -> DashboardConfig {
    let Ok(doc) = parse_yaml(text) else {
        return DashboardConfig::default();
    };
    let Some(Value::Map(mut root)) = doc.root.map(|node| node.value) else {
        return DashboardConfig::default();
    };
    let Ok(version) = read_version(&root) else {
        return DashboardConfig::default();
    };
    if !migrate(&mut root, version).is_empty() {
        return DashboardConfig::default();
    }
    let mut d = Diagnostics::default();
    resolve_tags(&mut root, env, &mut d);
    parse_server(&root, env, &mut d).dashboard
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_survives_errors_elsewhere() {
        let text = "config_version: 5\n\
                    dashboard: {port: 6123, host: 127.0.0.1}\n\
                    repos:\n  a: {repo_url: 42, model: [x]}\n";
        assert!(super::super::load_str(text, &EnvSource::empty()).is_err());
        let d = dashboard_from_text(text, &EnvSource::empty());
        assert_eq!(d.port, 6123);
    }

    #[test]
    fn unparsable_yaml_gives_defaults() {
        let d = dashboard_from_text("dashboard: [\n", &EnvSource::empty());
        assert_eq!(d, DashboardConfig::default());
    }
}

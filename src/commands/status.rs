//! `airut status`: what the running gateway is doing, from its local API
//! (`GET /api/state` on `dashboard.host:dashboard.port`, with the
//! dashboard token when one is set).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use airut_actors::config::{self, ServerConfig};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Exit code: 0 the gateway answered, 1 it could not be reached or refused.
pub fn run(config_path: &Path, explicit: bool, json: bool) -> Result<u8> {
    let config = if !config_path.exists() && !explicit {
        ServerConfig::default()
    } else {
        match config::load(config_path) {
            Ok(loaded) => loaded.config,
            // a gateway run with --resilient is up and shows the error itself
            Err(_) => ServerConfig {
                dashboard: config::dashboard_fallback(config_path),
                ..ServerConfig::default()
            },
        }
    };
    if !config.dashboard.enabled {
        bail!("the dashboard is off (dashboard.enabled: false), so there is no local API to ask");
    }
    let host = match config.dashboard.host.as_str() {
        "0.0.0.0" => "127.0.0.1",
        "::" => "::1",
        other => other,
    };
    let token = config
        .dashboard
        .auth_token
        .as_ref()
        .map(|t| t.expose().to_string());
    let body = get(host, config.dashboard.port, "/api/state", token.as_deref())?;
    let state: Value = serde_json::from_str(&body).context("the gateway's answer is not JSON")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&state)?);
    } else {
        print!("{}", render(&state));
    }
    Ok(0)
}

fn get(host: &str, port: u16, path: &str, token: Option<&str>) -> Result<String> {
    let mut stream = TcpStream::connect((host, port)).with_context(|| {
        format!("no gateway answers on {host}:{port} (is `airut run` running?)")
    })?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n{auth}\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("a malformed answer from {host}:{port}"))?;
    let status = head.split_whitespace().nth(1).unwrap_or("?");
    match status {
        "200" => Ok(body.to_string()),
        "401" => bail!("the gateway wants the dashboard token (dashboard.auth_token)"),
        other => bail!("the gateway answered {other}: {}", body.trim()),
    }
}

/// The human form: boot phase, repos with channel health, tasks by status.
pub fn render(state: &Value) -> String {
    let mut out = String::new();
    let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
    out.push_str(&format!(
        "airut {} — boot: {}\n",
        text(&state["version"]),
        text(&state["boot"])
    ));
    render_config(&state["config"], &mut out);
    let repos = state["repos"].as_array().cloned().unwrap_or_default();
    if repos.is_empty() {
        out.push_str("repos: none configured\n");
    }
    for repo in &repos {
        out.push_str(&format!(
            "repo {}: {}",
            text(&repo["repo_id"]),
            text(&repo["state"])
        ));
        if let Some(error) = repo["error"].as_str() {
            out.push_str(&format!(" ({error})"));
        }
        out.push('\n');
        for channel in repo["channels"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  {}: {}",
                text(&channel["channel"]),
                text(&channel["state"])
            ));
            if let Some(error) = channel["error"].as_str() {
                out.push_str(&format!(" ({error})"));
            }
            out.push('\n');
        }
    }
    let tasks = state["tasks"].as_array().cloned().unwrap_or_default();
    let count = |status: &str| tasks.iter().filter(|t| t["status"] == status).count();
    let waiting = state["queued_messages"].as_array().map_or(0, Vec::len);
    out.push_str(&format!(
        "tasks: {} running, {} queued, {} messages waiting, {} recently finished\n",
        count("running"),
        count("queued"),
        waiting,
        count("finished")
    ));
    for task in tasks.iter().filter(|t| t["status"] != "finished") {
        out.push_str(&format!(
            "  {} {} {}\n",
            text(&task["status"]),
            text(&task["task"]["task_id"]),
            task["title"].as_str().unwrap_or("")
        ));
    }
    out
}

/// Config reload state (`spec/config-reload.md`): generation, and the
/// error or pending restart that needs the operator.
fn render_config(config: &Value, out: &mut String) {
    let Some(generation) = config["generation"].as_u64() else {
        return;
    };
    let sha = config["config_sha256"]
        .as_str()
        .map_or("none", |s| &s[..s.len().min(12)]);
    out.push_str(&format!("config: generation {generation}, sha256 {sha}\n"));
    if let Some(error) = config["last_reload_error"].as_str() {
        let what = if config["running_on_defaults"] == true {
            "invalid, running on defaults"
        } else {
            "last edit rejected, previous config running"
        };
        out.push_str(&format!("  config error ({what}):\n"));
        for line in error.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    let restart: Vec<&str> = config["restart_required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !restart.is_empty() {
        out.push_str(&format!("  restart required for: {}\n", restart.join(", ")));
    }
    if let Some(pending) = config["reload_pending"].as_object() {
        for (repo, what) in pending {
            out.push_str(&format!(
                "  repo {repo}: {} when idle\n",
                what.as_str().unwrap_or("?")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_config_reload_state() {
        let text = render(&serde_json::json!({
            "version": "0.1.0", "boot": "ready", "repos": [], "tasks": [],
            "config": {
                "generation": 3, "config_sha256": "0123456789abcdef0123",
                "last_reload_error": "config x is invalid:\nrepos.a.model (line 4): expected a string",
                "running_on_defaults": false,
                "restart_required": ["dashboard.port"],
                "reload_pending": {"a": "restart"}
            }
        }));
        assert!(
            text.contains("config: generation 3, sha256 0123456789ab\n"),
            "{text}"
        );
        assert!(
            text.contains("    repos.a.model (line 4): expected a string\n"),
            "{text}"
        );
        assert!(text.contains("last edit rejected"), "{text}");
        assert!(
            text.contains("restart required for: dashboard.port"),
            "{text}"
        );
        assert!(text.contains("repo a: restart when idle"), "{text}");
    }

    #[test]
    fn renders_boot_repos_channels_and_tasks() {
        let state = serde_json::json!({
            "version": "0.1.0", "boot": "ready",
            "repos": [{"repo_id": "alpha", "state": "live",
                       "channels": [{"channel": "email", "state": "degraded", "error": "connection refused"}]}],
            "tasks": [
                {"status": "running", "task": {"task_id": "0a1b2c3d-1"}, "title": "Fix it"},
                {"status": "finished", "task": {"task_id": "0a1b2c3d-0"}, "title": "Old"}
            ],
            "queued_messages": [{}]
        });
        let text = render(&state);
        assert!(text.starts_with("airut 0.1.0 — boot: ready\n"), "{text}");
        assert!(
            text.contains("repo alpha: live\n  email: degraded (connection refused)\n"),
            "{text}"
        );
        assert!(
            text.contains("tasks: 1 running, 0 queued, 1 messages waiting, 1 recently finished"),
            "{text}"
        );
        assert!(text.contains("  running 0a1b2c3d-1 Fix it\n"), "{text}");
        assert!(!text.contains("Old"), "{text}");
    }

    #[test]
    fn no_repos_is_said() {
        let text = render(
            &serde_json::json!({"version": "0.1.0", "boot": "ready", "repos": [], "tasks": []}),
        );
        assert!(text.contains("repos: none configured"), "{text}");
    }
}

//! `airut check`: is this machine and this config ready to run the gateway?

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use airut_actors::config::{self, LoadedConfig, ServerConfig};
use airut_actors::sandbox::engine;

use crate::check_report::{CheckLine, exit_code, render};

const MIN_GIT: (u32, u32) = (2, 25);
const LIMIT_CONTROLLERS: [&str; 3] = ["cpu", "memory", "pids"];

pub fn run(config_path: &Path) -> u8 {
    let mut lines = Vec::new();
    let loaded = check_config(config_path, &mut lines);
    let config = loaded.map(|l| l.config).unwrap_or_default();
    lines.push(check_git());
    lines.push(check_engine(&config));
    lines.push(check_cgroups(&config));
    lines.extend(check_claude(&config));
    lines.extend(super::check_service::lines(&config));
    print!("{}", render(&lines));
    exit_code(&lines)
}

fn check_config(path: &Path, lines: &mut Vec<CheckLine>) -> Option<LoadedConfig> {
    if !path.exists() {
        lines.push(CheckLine::ok(
            "config",
            format!(
                "{} not found; built-in defaults will be used",
                path.display()
            ),
        ));
        return None;
    }
    match config::load(path) {
        Ok(loaded) => {
            let repos: Vec<&str> = loaded.config.repos.keys().map(String::as_str).collect();
            let mut detail = format!(
                "{}: valid, {} repo{}{}",
                path.display(),
                repos.len(),
                if repos.len() == 1 { "" } else { "s" },
                if repos.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", repos.join(", "))
                }
            );
            if loaded.schema_version_found < config::CURRENT_CONFIG_VERSION {
                detail.push_str(&format!(
                    "\nwritten for config_version {}, migrated in memory to {}",
                    loaded.schema_version_found,
                    config::CURRENT_CONFIG_VERSION
                ));
            }
            for warning in &loaded.warnings {
                detail.push_str(&format!("\nwarning: {warning}"));
            }
            lines.push(CheckLine::ok("config", detail));
            Some(loaded)
        }
        Err(errors) => {
            lines.push(CheckLine::fail(
                "config",
                format!("{}: invalid\n{errors}", path.display()),
                "fix the keys named above; every error of the file is listed",
            ));
            None
        }
    }
}

fn check_git() -> CheckLine {
    let hint = format!(
        "install git {}.{} or newer (apt-get install git)",
        MIN_GIT.0, MIN_GIT.1
    );
    match output_of("git", &["--version"]) {
        Some(text) => match parse_git_version(&text) {
            Some(v) if v >= MIN_GIT => CheckLine::ok("git", text.trim().to_string()),
            Some(_) => CheckLine::fail("git", format!("{} is too old", text.trim()), hint),
            None => CheckLine::fail("git", format!("unrecognised: {}", text.trim()), hint),
        },
        None => CheckLine::fail("git", "git not found on PATH", hint),
    }
}

/// `git version 2.47.3` → (2, 47).
fn parse_git_version(text: &str) -> Option<(u32, u32)> {
    let version = text
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>();
    Some((major, minor.parse().ok()?))
}

fn check_engine(config: &ServerConfig) -> CheckLine {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => return CheckLine::fail("engine", err.to_string(), "internal error"),
    };
    match runtime.block_on(engine::discover(config.container_host.as_deref())) {
        Ok(found) => CheckLine::ok(
            "engine",
            format!(
                "{} {} (API {}) at {} ({})",
                found.kind,
                found.version,
                found.api_version,
                found.endpoint.url,
                found.endpoint.source
            ),
        ),
        Err(err) => CheckLine::fail(
            "engine",
            err.to_string(),
            "install podman and run `podman system service --time=0 unix:///run/podman/podman.sock &`, \
             or point DOCKER_HOST (or container_host in the config) at a running engine socket",
        ),
    }
}

fn check_cgroups(config: &ServerConfig) -> CheckLine {
    let missing = missing_controllers(&cgroup_controllers());
    let limits_configured = config
        .repos
        .values()
        .any(|r| limits_set(&r.resource_limits));
    if missing.is_empty() {
        return CheckLine::ok(
            "cgroups",
            format!(
                "{} available for resource limits",
                LIMIT_CONTROLLERS.join(", ")
            ),
        );
    }
    let detail = format!("controllers missing: {}", missing.join(", "));
    let hint = "resource_limits need these cgroup controllers; on cgroup v2 delegate them to the user running Airut";
    if limits_configured {
        CheckLine::fail("cgroups", detail, hint)
    } else {
        CheckLine::warn("cgroups", detail, hint)
    }
}

fn limits_set(limits: &config::ResourceLimits) -> bool {
    limits.memory.is_some() || limits.cpus.is_some() || limits.pids_limit.is_some()
}

/// Controllers this process could put limits on: cgroup v2's list, or the
/// mounted v1 hierarchies (hybrid machines such as this project's CI).
fn cgroup_controllers() -> Vec<String> {
    let v2 = Path::new("/sys/fs/cgroup/cgroup.controllers");
    if let Ok(text) = std::fs::read_to_string(v2) {
        return text.split_whitespace().map(str::to_string).collect();
    }
    LIMIT_CONTROLLERS
        .iter()
        .filter(|c| Path::new("/sys/fs/cgroup").join(c).join("tasks").exists())
        .map(|c| c.to_string())
        .collect()
}

fn missing_controllers(available: &[String]) -> Vec<&'static str> {
    LIMIT_CONTROLLERS
        .iter()
        .copied()
        .filter(|c| !available.iter().any(|a| a == c))
        .collect()
}

fn check_claude(config: &ServerConfig) -> Vec<CheckLine> {
    let mut binaries: Vec<(String, PathBuf)> = Vec::new();
    if let Some(path) = &config.claude_binary {
        binaries.push(("claude_binary".into(), path.clone()));
    }
    for (id, repo) in &config.repos {
        if let Some(path) = &repo.claude_binary
            && !binaries.iter().any(|(_, p)| p == path)
        {
            binaries.push((format!("repos.{id}.claude_binary"), path.clone()));
        }
    }
    if binaries.is_empty() {
        return vec![CheckLine::ok(
            "claude",
            "no claude_binary set: the configured claude_version is downloaded at the first task",
        )];
    }
    binaries
        .into_iter()
        .map(|(key, path)| {
            let hint = format!("{key} must point at an executable Claude Code binary");
            if !is_executable(&path) {
                return CheckLine::fail(
                    "claude",
                    format!("{key}: {} is not an executable file", path.display()),
                    hint,
                );
            }
            match output_of(&path.display().to_string(), &["--version"]) {
                Some(v) => CheckLine::ok("claude", format!("{}: {}", path.display(), v.trim())),
                None => CheckLine::fail(
                    "claude",
                    format!("{key}: {} --version failed", path.display()),
                    hint,
                ),
            }
        })
        .collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs a short command with a 10 s limit and returns its stdout on success.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let mut out = String::new();
    use std::io::Read;
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_versions() {
        assert_eq!(parse_git_version("git version 2.47.3\n"), Some((2, 47)));
        assert_eq!(
            parse_git_version("git version 2.25.0.windows.1"),
            Some((2, 25))
        );
        assert_eq!(parse_git_version("git version 1.8.3"), Some((1, 8)));
        assert_eq!(parse_git_version("nonsense"), None);
    }

    #[test]
    fn controllers_missing_are_named() {
        let have = vec!["cpuset".to_string(), "memory".to_string()];
        assert_eq!(missing_controllers(&have), vec!["cpu", "pids"]);
        let all: Vec<String> = LIMIT_CONTROLLERS.iter().map(|s| s.to_string()).collect();
        assert!(missing_controllers(&all).is_empty());
    }
}

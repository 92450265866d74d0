//! `airut install-service` and `airut uninstall-service`: the systemd unit
//! that keeps `airut run --resilient` running (`spec/service.md`).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use super::service_paths::{self, ServiceScope, UNIT_NAME};
use super::service_unit::{UnitInputs, render_unit};

pub struct InstallOptions {
    /// `--config`; default: the scope's config path.
    pub config: Option<PathBuf>,
    /// `--unit-dir`; default: the scope's unit directory.
    pub unit_dir: Option<PathBuf>,
    /// Write the unit only; no systemctl.
    pub no_start: bool,
}

pub fn install(options: &InstallOptions) -> Result<u8> {
    let scope = ServiceScope::for_current_user();
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("locating the airut binary")?;
    let config = match &options.config {
        Some(path) => {
            std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?
        }
        None => service_paths::config_path(scope),
    };
    let unit_dir = options
        .unit_dir
        .clone()
        .unwrap_or_else(|| service_paths::unit_dir(scope));
    let unit_path = unit_dir.join(UNIT_NAME);
    let unit = render_unit(&UnitInputs {
        scope,
        binary: &binary,
        config: &config,
    });
    std::fs::create_dir_all(&unit_dir)
        .with_context(|| format!("creating {}", unit_dir.display()))?;
    std::fs::write(&unit_path, unit).with_context(|| format!("writing {}", unit_path.display()))?;
    println!("wrote the {} unit {}", scope.as_str(), unit_path.display());
    println!(
        "  runs: {} run --resilient --config {}",
        binary.display(),
        config.display()
    );
    println!("  state: {}", service_paths::state_dir(scope).display());
    if !config.exists() {
        println!(
            "  note: {} does not exist yet; create it with `airut init --config {}` \
             (the service shows the error on the dashboard until then)",
            config.display(),
            config.display()
        );
    }
    if scope == ServiceScope::User {
        warn_without_linger();
    }
    if options.no_start {
        println!("--no-start: not calling systemctl");
        return Ok(0);
    }
    let steps: [&[&str]; 3] = [
        &["daemon-reload"],
        &["enable", UNIT_NAME],
        &["restart", UNIT_NAME],
    ];
    for step in steps {
        if let Err(error) = systemctl(scope, step) {
            eprintln!("airut: {error:#}");
            eprintln!(
                "airut: the unit file is in place; once systemd runs, start it with:\n  \
                 systemctl {}daemon-reload && systemctl {}enable --now {UNIT_NAME}",
                user_flag(scope),
                user_flag(scope)
            );
            return Ok(1);
        }
    }
    println!(
        "service enabled and started; follow it with `journalctl {}-u {UNIT_NAME} -f`",
        user_flag(scope)
    );
    Ok(0)
}

pub struct UninstallOptions {
    pub unit_dir: Option<PathBuf>,
    /// Remove the file only; no systemctl.
    pub no_stop: bool,
}

pub fn uninstall(options: &UninstallOptions) -> Result<u8> {
    let scope = ServiceScope::for_current_user();
    let unit_dir = options
        .unit_dir
        .clone()
        .unwrap_or_else(|| service_paths::unit_dir(scope));
    let unit_path = unit_dir.join(UNIT_NAME);
    let mut code = 0;
    if !options.no_stop {
        // stopping a unit that is not running is fine; report, go on
        for step in [["stop", UNIT_NAME], ["disable", UNIT_NAME]] {
            if let Err(error) = systemctl(scope, &step) {
                eprintln!("airut: warning: {error:#}");
                code = 1;
            }
        }
    }
    match std::fs::remove_file(&unit_path) {
        Ok(()) => println!("removed {}", unit_path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("no unit at {}; nothing to remove", unit_path.display())
        }
        Err(e) => {
            return Err(e).with_context(|| format!("removing {}", unit_path.display()));
        }
    }
    if !options.no_stop
        && let Err(error) = systemctl(scope, &["daemon-reload"])
    {
        eprintln!("airut: warning: {error:#}");
        code = 1;
    }
    println!(
        "the config and the state directory ({}) are kept",
        service_paths::state_dir(scope).display()
    );
    Ok(code)
}

fn user_flag(scope: ServiceScope) -> &'static str {
    match scope {
        ServiceScope::System => "",
        ServiceScope::User => "--user ",
    }
}

fn warn_without_linger() {
    match service_paths::user_name() {
        Some(user) if service_paths::linger_enabled(&user) => {}
        Some(user) => eprintln!(
            "airut: warning: linger is off for {user}: the service stops at logout and does \
             not start at boot. Turn it on with `sudo loginctl enable-linger {user}`."
        ),
        None => eprintln!(
            "airut: warning: cannot tell the user name ($USER unset) to check linger; \
             without `loginctl enable-linger` the service stops at logout"
        ),
    }
}

/// Runs `systemctl [--user] ARGS`; a missing systemctl or a failure (no
/// systemd running, no user bus) comes back as an error with its output.
fn systemctl(scope: ServiceScope, args: &[&str]) -> Result<()> {
    let mut all: Vec<&str> = scope.systemctl_args().to_vec();
    all.extend_from_slice(args);
    let shown = format!("systemctl {}", all.join(" "));
    let output = Command::new("systemctl")
        .args(&all)
        .output()
        .with_context(|| format!("{shown}: cannot run systemctl"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::bail!("{shown} failed ({}): {}", output.status, stderr.trim())
}

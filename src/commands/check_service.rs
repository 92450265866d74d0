//! The Service part of `airut check` (informational, never fails the
//! check): is the systemd unit installed, is it active, and does the
//! running gateway run this binary's version?
//!
//! The unit's path and scope come from `service_paths`, the module
//! `airut install-service` writes by.

use std::path::Path;
use std::process::{Command, Stdio};

use airut_actors::config::ServerConfig;

use super::gateway_api::GatewayApi;
use super::service_paths::{ServiceScope, UNIT_NAME, unit_path};
use crate::check_report::CheckLine;

pub fn lines(config: &ServerConfig) -> Vec<CheckLine> {
    let scope = ServiceScope::for_current_user();
    let unit = unit_path(scope);
    let installed = unit.is_file();
    let unit_line = if installed {
        CheckLine::ok("service", format!("unit installed: {}", unit.display()))
    } else {
        CheckLine::ok(
            "service",
            format!(
                "no unit at {} (`airut install-service` installs one)",
                unit.display()
            ),
        )
    };
    // is-active also answers for a unit not installed ("inactive"), and
    // says whether systemd could run one here at all
    vec![
        unit_line,
        CheckLine::ok("systemd", format!("{UNIT_NAME}: {}", is_active(scope))),
        gateway_version(config),
    ]
}

/// `systemctl [--user] is-active`'s answer, or `unknown` where systemd
/// does not run (no `/run/systemd/system`: it is not PID 1).
fn is_active(scope: ServiceScope) -> String {
    if !Path::new("/run/systemd/system").is_dir() {
        return "unknown (systemd is not running on this machine)".into();
    }
    let output = Command::new("systemctl")
        .args(scope.systemctl_args())
        .args(["is-active", UNIT_NAME])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(out) => {
            let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if state.is_empty() {
                "unknown (systemctl gave no answer)".into()
            } else {
                state
            }
        }
        Err(_) => "unknown (systemctl not found)".into(),
    }
}

fn gateway_version(config: &ServerConfig) -> CheckLine {
    let api = match GatewayApi::for_config(config) {
        Ok(api) => api,
        Err(err) => return CheckLine::ok("gateway", format!("{err:#}")),
    };
    match api.get("/api/version") {
        Ok(body) => version_line(body["version"].as_str(), env!("CARGO_PKG_VERSION")),
        Err(err) => CheckLine::ok("gateway", format!("not running ({err:#})")),
    }
}

/// Same version: ok; another one: a warning with the restart hint.
pub fn version_line(running: Option<&str>, ours: &str) -> CheckLine {
    match running {
        Some(v) if v == ours => {
            CheckLine::ok("gateway", format!("running version {v}, as this binary"))
        }
        Some(v) => CheckLine::warn(
            "gateway",
            format!("running version {v}, this binary is {ours}"),
            "restart the gateway to run this version (systemctl --user restart airut, or as root systemctl restart airut)",
        ),
        None => CheckLine::warn(
            "gateway",
            "running, but its version is unknown",
            "restart the gateway to run this version",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_report::Status;

    #[test]
    fn versions_compared() {
        assert_eq!(version_line(Some("0.1.0"), "0.1.0").status, Status::Ok);
        let other = version_line(Some("0.0.9"), "0.1.0");
        assert_eq!(other.status, Status::Warn);
        assert!(other.detail.contains("0.0.9") && other.detail.contains("0.1.0"));
        assert!(other.hint.is_some_and(|h| h.contains("restart")));
        assert_eq!(version_line(None, "0.1.0").status, Status::Warn);
    }
}

//! The systemd unit `airut install-service` writes, rendered from plain
//! inputs (no I/O) so that tests can check every line. The choices are
//! explained in `spec/service.md`.

use std::path::Path;

use super::service_paths::{SYSTEM_CONFIG_BASE, SYSTEM_STATE_BASE, ServiceScope};

/// What the unit is made from.
#[derive(Debug, Clone)]
pub struct UnitInputs<'a> {
    pub scope: ServiceScope,
    /// Absolute path of the airut binary.
    pub binary: &'a Path,
    /// Absolute path of the config file.
    pub config: &'a Path,
}

/// The drain time (`execution.shutdown_timeout`, 60 s by default), the
/// interrupted tasks' grace and the teardown fit in this.
pub const STOP_TIMEOUT_SECS: u32 = 180;
pub const RESTART_SEC: u32 = 10;

pub fn render_unit(inputs: &UnitInputs<'_>) -> String {
    let mut unit = String::new();
    unit.push_str(
        "# Written by `airut install-service`; reinstalling overwrites it.\n\
         [Unit]\n\
         Description=Airut: Claude Code tasks by email and Slack\n\
         Documentation=https://github.com/airutorg/airut-rs\n\
         After=network-online.target podman.socket\n\
         Wants=network-online.target podman.socket\n\
         \n\
         [Service]\n\
         Type=simple\n",
    );
    unit.push_str(&format!(
        "ExecStart={} run --resilient --config {}\n",
        quote(inputs.binary),
        quote(inputs.config)
    ));
    unit.push_str("ExecReload=/bin/kill -HUP $MAINPID\n");
    unit.push_str(&format!(
        "Restart=always\n\
         RestartSec={RESTART_SEC}\n\
         KillMode=mixed\n\
         TimeoutStopSec={STOP_TIMEOUT_SECS}\n\
         StandardOutput=journal\n\
         StandardError=journal\n\
         SyslogIdentifier=airut\n\
         UMask=0077\n"
    ));
    match inputs.scope {
        ServiceScope::System => {
            unit.push_str(&format!(
                "Environment=XDG_STATE_HOME={SYSTEM_STATE_BASE} XDG_CONFIG_HOME={SYSTEM_CONFIG_BASE}\n\
                 StateDirectory=airut\n\
                 StateDirectoryMode=0700\n\
                 ConfigurationDirectory=airut\n\
                 ConfigurationDirectoryMode=0750\n\
                 NoNewPrivileges=yes\n\
                 ProtectSystem=full\n\
                 LockPersonality=yes\n\
                 RestrictRealtime=yes\n\
                 \n\
                 [Install]\n\
                 WantedBy=multi-user.target\n"
            ));
        }
        ServiceScope::User => {
            unit.push_str(
                "LockPersonality=yes\n\
                 RestrictRealtime=yes\n\
                 \n\
                 [Install]\n\
                 WantedBy=default.target\n",
            );
        }
    }
    unit
}

/// systemd splits ExecStart on spaces and expands `$` and `%`; quote a
/// path that needs it.
fn quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    let escaped = text.replace('%', "%%").replace('$', "$$");
    if escaped
        .chars()
        .any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
    {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        escaped
    }
}

#[cfg(test)]
#[path = "service_unit_tests.rs"]
mod tests;

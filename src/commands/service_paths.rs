//! Where `airut install-service` puts things, in one place so that
//! `airut check` and the docs agree with it (`spec/service.md`).
//!
//! As root the unit is a system unit running as root (rootful Podman),
//! with its config in `/etc/airut` and its state in `/var/lib/airut`; as
//! any other user it is a user unit with the user's XDG locations.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use airut_actors::config;

/// The unit's file name in both scopes.
pub const UNIT_NAME: &str = "airut.service";
/// System scope: `StateDirectory=airut` below this.
pub const SYSTEM_STATE_BASE: &str = "/var/lib";
/// System scope: `ConfigurationDirectory=airut` below this.
pub const SYSTEM_CONFIG_BASE: &str = "/etc";
pub const SYSTEM_UNIT_DIR: &str = "/etc/systemd/system";
/// `loginctl enable-linger USER` creates `<this>/USER`.
pub const LINGER_DIR: &str = "/var/lib/systemd/linger";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceScope {
    /// `/etc/systemd/system`, `systemctl`.
    System,
    /// `~/.config/systemd/user`, `systemctl --user`.
    User,
}

impl ServiceScope {
    /// System when this process runs as root.
    pub fn for_current_user() -> ServiceScope {
        if is_root() {
            ServiceScope::System
        } else {
            ServiceScope::User
        }
    }

    /// `systemctl` arguments that select the scope.
    pub fn systemctl_args(self) -> &'static [&'static str] {
        match self {
            ServiceScope::System => &[],
            ServiceScope::User => &["--user"],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceScope::System => "system",
            ServiceScope::User => "user",
        }
    }
}

/// The effective user is root (the owner of `/proc/self` is the process's
/// effective uid).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Where the unit file goes.
pub fn unit_dir(scope: ServiceScope) -> PathBuf {
    match scope {
        ServiceScope::System => PathBuf::from(SYSTEM_UNIT_DIR),
        ServiceScope::User => user_config_home().join("systemd").join("user"),
    }
}

pub fn unit_path(scope: ServiceScope) -> PathBuf {
    unit_dir(scope).join(UNIT_NAME)
}

/// The config the service reads.
pub fn config_path(scope: ServiceScope) -> PathBuf {
    match scope {
        ServiceScope::System => Path::new(SYSTEM_CONFIG_BASE)
            .join("airut")
            .join("airut.yaml"),
        ServiceScope::User => config::default_config_path(),
    }
}

/// The state directory the service uses.
pub fn state_dir(scope: ServiceScope) -> PathBuf {
    match scope {
        ServiceScope::System => Path::new(SYSTEM_STATE_BASE).join("airut"),
        ServiceScope::User => airut_actors::state_dir::default_state_dir(),
    }
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
fn user_config_home() -> PathBuf {
    match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => std::env::home_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".config"),
    }
}

/// The login name for the linger check: `$USER`, else `$LOGNAME`.
pub fn user_name() -> Option<String> {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|name| !name.is_empty())
}

/// User services stop at logout and do not start at boot without linger.
pub fn linger_enabled(user: &str) -> bool {
    Path::new(LINGER_DIR).join(user).exists()
}

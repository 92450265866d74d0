//! File locations and `~` expansion.

use std::path::PathBuf;

use super::env_source::EnvSource;

/// `$XDG_CONFIG_HOME/airut/airut.yaml`, else `$HOME/.config/airut/airut.yaml`.
pub fn default_config_path() -> PathBuf {
    config_path_from(
        std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from),
        std::env::home_dir(),
    )
}

/// The XDG rule, separated from the process environment for tests. The XDG
/// spec says a relative `XDG_CONFIG_HOME` is invalid and must be ignored.
pub(crate) fn config_path_from(xdg_config_home: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    let base = match xdg_config_home {
        Some(xdg) if xdg.is_absolute() => xdg,
        _ => home.unwrap_or_else(|| PathBuf::from(".")).join(".config"),
    };
    base.join("airut").join("airut.yaml")
}

/// Expands a leading `~` or `~/` to `$HOME` (taken from `env`, whose top
/// layer is the process environment). `~user` forms are left untouched.
pub(crate) fn expand_tilde(path: &str, env: &EnvSource) -> PathBuf {
    let home = env.get("HOME").filter(|h| !h.is_empty());
    match (path, home) {
        ("~", Some(home)) => PathBuf::from(home),
        (p, Some(home)) if p.starts_with("~/") => PathBuf::from(home).join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_wins_when_absolute() {
        let p = config_path_from(Some("/x/cfg".into()), Some("/home/u".into()));
        assert_eq!(p, PathBuf::from("/x/cfg/airut/airut.yaml"));
    }

    #[test]
    fn home_fallback() {
        let p = config_path_from(None, Some("/home/u".into()));
        assert_eq!(p, PathBuf::from("/home/u/.config/airut/airut.yaml"));
        let p = config_path_from(Some("relative".into()), Some("/home/u".into()));
        assert_eq!(p, PathBuf::from("/home/u/.config/airut/airut.yaml"));
    }

    #[test]
    fn tilde_expansion() {
        let env = EnvSource::from_pairs([("HOME", "/home/u")]);
        assert_eq!(
            expand_tilde("~/bin/claude", &env),
            PathBuf::from("/home/u/bin/claude")
        );
        assert_eq!(expand_tilde("~", &env), PathBuf::from("/home/u"));
        assert_eq!(expand_tilde("~other/x", &env), PathBuf::from("~other/x"));
        assert_eq!(expand_tilde("/abs", &env), PathBuf::from("/abs"));
        assert_eq!(
            expand_tilde("~/x", &EnvSource::empty()),
            PathBuf::from("~/x")
        );
    }
}

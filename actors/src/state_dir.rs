//! Where Airut keeps its state: `$XDG_STATE_HOME/airut`, else
//! `~/.local/state/airut`.

use std::path::{Path, PathBuf};

pub fn default_state_dir() -> PathBuf {
    state_dir_from(
        std::env::var_os("XDG_STATE_HOME").map(PathBuf::from),
        std::env::home_dir(),
    )
}

/// The XDG rule apart from the process environment; a relative
/// `XDG_STATE_HOME` is invalid per the spec and ignored.
fn state_dir_from(xdg_state_home: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    let base = match xdg_state_home {
        Some(xdg) if xdg.is_absolute() => xdg,
        _ => home
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".local")
            .join("state"),
    };
    base.join("airut")
}

/// The sled database inside a state directory.
pub fn store_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("store")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_state_home_wins_when_absolute() {
        assert_eq!(
            state_dir_from(Some("/var/lib/x".into()), Some("/home/u".into())),
            PathBuf::from("/var/lib/x/airut")
        );
    }

    #[test]
    fn falls_back_to_local_state() {
        assert_eq!(
            state_dir_from(Some("rel".into()), Some("/home/u".into())),
            PathBuf::from("/home/u/.local/state/airut")
        );
    }
}

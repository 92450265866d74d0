pub mod check;
pub mod init;
pub mod proxy;
pub mod run;
pub mod sandbox_run;
pub mod status;

use std::path::{Path, PathBuf};

use airut_actors::config;

/// The config file a command works on: `--config`, else the XDG default.
pub fn config_path(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .unwrap_or_else(config::default_config_path)
}

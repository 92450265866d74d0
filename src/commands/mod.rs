pub mod check;
pub mod check_service;
pub mod config_watch;
pub mod conversations;
pub mod conversations_view;
pub mod event_line;
pub mod gateway_api;
pub mod gc;
pub mod init;
pub mod logs;
pub mod proxy;
pub mod run;
pub mod sandbox_run;
pub mod service;
pub mod service_paths;
pub mod service_unit;
pub mod status;
pub mod stop;

use std::path::{Path, PathBuf};

use airut_actors::config;

/// The API of the gateway a `--config` names (its dashboard address and
/// token).
pub fn gateway_api(arg: &crate::cli::ServerConfigArg) -> anyhow::Result<gateway_api::GatewayApi> {
    gateway_api::GatewayApi::from_config(&config_path(arg.config.as_deref()), arg.config.is_some())
}

/// The config file a command works on: `--config`, else the XDG default.
pub fn config_path(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .unwrap_or_else(config::default_config_path)
}

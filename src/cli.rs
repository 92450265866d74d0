//! The command line: the stable contract later subcommands extend.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "airut",
    version,
    about = "Task Claude Code by email and Slack, in a sandbox, on your own server",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event, for log collectors.
    Json,
}

/// The server config a command works on.
#[derive(Debug, Args)]
pub struct ServerConfigArg {
    /// Server config file (default: $XDG_CONFIG_HOME/airut/airut.yaml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// Print the gateway's state as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter config (never overwrites an existing file).
    Init(ServerConfigArg),
    /// Check the config and this machine: git, container engine, cgroups,
    /// Claude Code. Exits 1 when a critical check fails.
    Check(ServerConfigArg),
    /// Start the gateway. Without a config file it runs on built-in
    /// defaults (dashboard on 127.0.0.1:5200, no repos).
    ///
    /// Exit codes: 0 stopped cleanly (SIGTERM/SIGINT), 1 config invalid or
    /// start-up failed, 2 bad command line.
    Run(ServerConfigArg),
    /// What the running gateway is doing: boot, repos and their channels,
    /// running and queued tasks (asks its local dashboard API).
    ///
    /// Exit codes: 0 answered, 1 not reachable, refused, or config invalid.
    Status(StatusArgs),
    /// The sandbox without the gateway, for CI and local use.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// The network sandbox proxy, run by the gateway inside the proxy
    /// container: JSON config on stdin, ready line on stdout, stops on
    /// SIGTERM/SIGINT or when stdin closes. Exit codes: 0 stopped, 1 bad
    /// config or start-up failure.
    #[command(hide = true)]
    Proxy,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run a command in the repository's container, with the current
    /// directory at /workspace, as a task would see it.
    ///
    /// Exit codes: the command's own; 124 timeout; 125 sandbox or config
    /// error; 137 killed (most often the memory limit). SIGTERM and SIGINT
    /// are forwarded to the command, which is killed 5 s later if still
    /// running.
    Run(SandboxRunArgs),
}

#[derive(Debug, Args)]
pub struct SandboxRunArgs {
    /// Sandbox settings (env, pass_env, resource_limits).
    #[arg(long, value_name = "PATH", default_value = ".airut/sandbox.yaml")]
    pub config: PathBuf,
    /// Dockerfile of the repository's container.
    #[arg(
        long,
        value_name = "PATH",
        default_value = ".airut/container/Dockerfile"
    )]
    pub dockerfile: PathBuf,
    /// Build context directory (flat; default: the Dockerfile's directory).
    #[arg(long, value_name = "DIR")]
    pub context_dir: Option<PathBuf>,
    /// Kill the command after this many seconds (overrides
    /// resource_limits.timeout).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Extra bind mount, repeatable: SRC:DST or SRC:DST:ro.
    #[arg(long = "mount", value_name = "SRC:DST[:ro]")]
    pub mounts: Vec<String>,
    /// Rebuild images older than this many hours (0: always rebuild).
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub max_image_age: u64,
    /// Show the entrypoint's own output (sets AIRUT_VERBOSE=1 inside).
    #[arg(long)]
    pub verbose: bool,
    /// Network allowlist (default: .airut/network-allowlist.yaml; a missing
    /// file allows nothing).
    #[arg(long, value_name = "PATH")]
    pub allowlist: Option<PathBuf>,
    /// Append the network log (JSON lines) to FILE and keep it.
    #[arg(long, value_name = "FILE")]
    pub network_log: Option<PathBuf>,
    /// Print each network log line to stderr as `[net] ...` as it happens.
    #[arg(long)]
    pub network_log_live: bool,
    /// Image the proxy container runs in (the airut binary is mounted into
    /// it; its C library must be compatible with the host's).
    #[arg(long, value_name = "IMAGE", default_value = "debian:bookworm-slim")]
    pub proxy_image: String,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

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

/// `airut conversations [list|show ID]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConversationsArgs {
    #[command(subcommand)]
    pub command: Option<ConversationsCommand>,
    /// Without a subcommand: `list` with these options.
    #[command(flatten)]
    pub list: ConversationsListArgs,
}

#[derive(Debug, Subcommand)]
pub enum ConversationsCommand {
    /// Conversations, newest activity first (the default).
    List(ConversationsListArgs),
    /// One conversation: its tasks with their replies, cost and tokens,
    /// and its last events.
    Show(ConversationShowArgs),
}

#[derive(Debug, Args)]
pub struct ConversationsListArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// Only this repo's conversations.
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,
    /// Only conversations in this state.
    #[arg(long, value_enum)]
    pub state: Option<ConversationState>,
    /// Only conversations active within this long: 90s, 30m, 2h, 3d, 1w.
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What a conversation is doing, as `conversations --state` filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConversationState {
    /// A task is running.
    Running,
    /// A task or a message waits for its turn; nothing runs yet.
    Queued,
    /// Running or queued.
    Active,
    /// Nothing running or waiting.
    Idle,
}

#[derive(Debug, Args)]
pub struct ConversationShowArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// The conversation id (8 hex digits).
    #[arg(value_name = "ID")]
    pub id: String,
    /// How many of the last events to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub events: usize,
    /// Print the conversation as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// A conversation id (stops its running task) or a task id (stops
    /// that task, only if it is the one running).
    #[arg(value_name = "CONVERSATION|TASK")]
    pub id: String,
    /// Also drop the conversation's messages waiting for their turn
    /// (conversation ids only).
    #[arg(long)]
    pub drop_queued: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// The conversation id (8 hex digits).
    #[arg(value_name = "CONVERSATION")]
    pub conversation: String,
    /// Only this task's lines (`<conversation>-<n>`).
    #[arg(long, value_name = "TASK")]
    pub task: Option<String>,
    /// The network sandbox's log instead of Claude's events.
    #[arg(long)]
    pub network: bool,
    /// Keep printing new lines as they come, until the running task
    /// ends (or Ctrl-C).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Print the log's lines as they are stored, one JSON object a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// List what would be removed, removing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON.
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
    /// The config is reloaded when its file changes and on SIGHUP; an
    /// invalid edit keeps the running config (see `airut status`).
    ///
    /// Exit codes: 0 stopped cleanly (SIGTERM/SIGINT), 1 config invalid
    /// (without --resilient) or start-up failed, 2 bad command line.
    Run(RunArgs),
    /// What the running gateway is doing: boot, repos and their channels,
    /// running and queued tasks (asks its local dashboard API).
    ///
    /// Exit codes: 0 answered, 1 not reachable, refused, or config invalid.
    Status(StatusArgs),
    /// Conversations of the running gateway: list (filter by repo, state,
    /// age) or show one.
    ///
    /// Exit codes: 0 answered, 1 not reachable, refused, unknown id.
    Conversations(ConversationsArgs),
    /// Stop a conversation's running task, or one task if it is running.
    /// Waits until the task has ended.
    ///
    /// Exit codes: 0 stopped, 1 nothing was running, not reachable,
    /// unknown id.
    Stop(StopArgs),
    /// A conversation's Claude events (or network log), one line per
    /// event; with --follow, live until the task ends. Colour on a
    /// terminal unless NO_COLOR is set.
    ///
    /// Exit codes: 0 done, 1 not reachable, refused, unknown id.
    Logs(LogsArgs),
    /// Housekeeping now: remove conversations idle longer than
    /// execution.conversation_max_age_days and unused task images (when
    /// execution.image_prune is on); --dry-run lists them instead.
    ///
    /// Exit codes: 0 done, 1 not reachable, refused, or errors reported.
    Gc(GcArgs),
    /// The sandbox without the gateway, for CI and local use.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// The network sandbox proxy, run by the gateway inside the proxy
    /// container: JSON config on stdin, ready line on stdout, stops on
    /// SIGTERM/SIGINT or when stdin closes. Exit codes: 0 stopped, 1 bad
    /// config or start-up failure.
    #[command(hide = true)]
    Proxy,
    /// Install the systemd unit that runs `airut run --resilient` (a system
    /// unit with /etc/airut and /var/lib/airut when run as root, else a
    /// user unit), then daemon-reload, enable and start it.
    ///
    /// Exit codes: 0 done, 1 the unit could not be written or systemctl
    /// failed (the unit file stays in place).
    InstallService(InstallServiceArgs),
    /// Stop and disable the service and remove its unit; the config and
    /// the state directory are kept.
    ///
    /// Exit codes: 0 done, 1 systemctl failed (the unit is removed anyway).
    UninstallService(UninstallServiceArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ServerConfigArg,
    /// Stay up when the config is invalid at start: the dashboard (on the
    /// file's dashboard settings as far as they read, else the defaults)
    /// and /api/health show the error until a fixed file is loaded. The
    /// systemd unit runs this.
    #[arg(long)]
    pub resilient: bool,
    /// Do not watch the config file: reload on SIGHUP only.
    #[arg(long)]
    pub no_watch: bool,
}

#[derive(Debug, Args)]
pub struct InstallServiceArgs {
    /// Config the service runs with (default: /etc/airut/airut.yaml as
    /// root, else $XDG_CONFIG_HOME/airut/airut.yaml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Write the unit here instead of /etc/systemd/system (root) or
    /// ~/.config/systemd/user.
    #[arg(long, value_name = "DIR")]
    pub unit_dir: Option<PathBuf>,
    /// Only write the unit; do not call systemctl.
    #[arg(long)]
    pub no_start: bool,
}

#[derive(Debug, Args)]
pub struct UninstallServiceArgs {
    /// Where the unit was written (see install-service --unit-dir).
    #[arg(long, value_name = "DIR")]
    pub unit_dir: Option<PathBuf>,
    /// Only remove the unit file; do not call systemctl.
    #[arg(long)]
    pub no_stop: bool,
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

//! The command line: the stable contract later subcommands extend.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "airut",
    version,
    about = "Task Claude Code by email and Slack, in a sandbox, on your own server",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    /// Server config file (default: $XDG_CONFIG_HOME/airut/airut.yaml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter config (never overwrites an existing file).
    Init,
    /// Check the config and this machine: git, container engine, cgroups,
    /// Claude Code. Exits 1 when a critical check fails.
    Check,
    /// Start the gateway. Without a config file it runs on built-in
    /// defaults (dashboard on 127.0.0.1:5200, no repos).
    ///
    /// Exit codes: 0 stopped cleanly (SIGTERM/SIGINT), 1 config invalid or
    /// start-up failed, 2 bad command line.
    Run,
}

//! `airut`: the gateway, its admin CLI, and (later) the in-container proxy.

mod check_report;
mod cli;
mod commands;
mod logging;
mod web;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    // Two rustls crypto providers end up in the tree (ring, aws-lc-rs); pick
    // one before any TLS client exists or slack-morphism panics at connect.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let cli = Cli::parse();
    let redaction = logging::init(cli.log_format);
    let config_path = commands::config_path(cli.config.as_deref());

    let result = match cli.command {
        Command::Init => commands::init::run(&config_path).map(|()| 0),
        Command::Check => Ok(commands::check::run(&config_path)),
        Command::Run => commands::run::run(&config_path, cli.config.is_some(), &redaction)
            .map(|commands::run::RunOutcome::Stopped| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("airut: {}", redaction.redact(&format!("{err:#}")));
            ExitCode::from(1)
        }
    }
}

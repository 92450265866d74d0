//! `airut`: the gateway, its admin CLI, and the in-container proxy.

mod check_report;
mod cli;
mod commands;
mod logging;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, SandboxCommand};

fn main() -> ExitCode {
    // Two rustls crypto providers end up in the tree (ring, aws-lc-rs); pick
    // one before any TLS client exists or slack-morphism panics at connect.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let cli = Cli::parse();
    // `airut sandbox run` is a CI step: its stderr is the command's, with
    // Airut's own progress only on request.
    let default_level = match &cli.command {
        Command::Sandbox(SandboxCommand::Run(args)) if !args.verbose => "warn",
        _ => "info",
    };
    let redaction = logging::init(cli.log_format, default_level);

    let result = match cli.command {
        Command::Init(arg) => {
            commands::init::run(&commands::config_path(arg.config.as_deref())).map(|()| 0)
        }
        Command::Check(arg) => Ok(commands::check::run(&commands::config_path(
            arg.config.as_deref(),
        ))),
        Command::Run(args) => commands::run::run(
            &commands::config_path(args.config.config.as_deref()),
            args.config.config.is_some(),
            commands::run::RunOptions {
                resilient: args.resilient,
                watch: !args.no_watch,
            },
            &redaction,
        )
        .map(|commands::run::RunOutcome::Stopped| 0),
        Command::Status(args) => commands::status::run(
            &commands::config_path(args.config.config.as_deref()),
            args.config.config.is_some(),
            args.json,
        ),
        Command::Conversations(args) => commands::conversations::run(args),
        Command::Stop(args) => commands::stop::run(&args),
        Command::Logs(args) => commands::logs::run(&args),
        Command::Gc(args) => commands::gc::run(&args),
        Command::Sandbox(SandboxCommand::Run(args)) => Ok(commands::sandbox_run::run(args)),
        Command::Proxy => Ok(commands::proxy::run()),
        Command::InstallService(args) => {
            commands::service::install(&commands::service::InstallOptions {
                config: args.config,
                unit_dir: args.unit_dir,
                no_start: args.no_start,
            })
        }
        Command::UninstallService(args) => {
            commands::service::uninstall(&commands::service::UninstallOptions {
                unit_dir: args.unit_dir,
                no_stop: args.no_stop,
            })
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("airut: {}", redaction.redact(&format!("{err:#}")));
            ExitCode::from(1)
        }
    }
}

//! The `palisade` command line: clap at the edge, turned into validated configuration, then
//! handed to the engine and the report formatters.

mod commands;
pub mod fetch;
pub mod inputs;
mod output;
pub mod pipeline;
pub mod policy_set;
pub mod verify;
pub mod verify_remote;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Check Kubernetes manifests and Helm charts against hardening and supply-chain policies that
/// run as sandboxed WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check manifests (files, directories, `-` for stdin) against policies.
    Check(commands::check::CheckArgs),
    /// List the policies and their rules.
    Policies(commands::policies::PoliciesArgs),
    /// Verify signatures: `palisade verify chart CHART.tgz --keyring FILE`.
    Verify(commands::verify::VerifyArgs),
}

/// Exit code for usage, input and evaluation errors.
pub const EXIT_ERROR: u8 = 2;

/// Run the command line; never panics on user input.
#[must_use]
pub fn run() -> ExitCode {
    init_logging();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Check(args) => args.execute(),
        Command::Policies(args) => args.execute(),
        Command::Verify(args) => args.execute(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("palisade: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

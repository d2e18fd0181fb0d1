//! The `palisade` command line: clap at the edge, turned into validated configuration, then
//! handed to the engine and the report formatters.

mod commands;
pub mod fetch;
pub mod inputs;
mod output;
pub mod pipeline;
pub mod policy_set;
pub mod verify;
pub mod verify_blob;
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
    /// Verify signatures: `palisade verify chart CHART.tgz --keyring FILE`, `palisade verify blob FILE ...`.
    Verify(commands::verify::VerifyArgs),
    /// Serve the browser playground (built in crates/playground) on 127.0.0.1.
    Playground(commands::playground::PlaygroundArgs),
    /// Run the admission webhook (HTTPS, `AdmissionReview` v1).
    Serve(commands::serve::ServeArgs),
}

/// Exit code for usage, input and evaluation errors.
pub const EXIT_ERROR: u8 = 2;

/// Run the command line; never panics on user input.
#[must_use]
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(matches!(cli.command, Command::Serve(_)));
    let result = match cli.command {
        Command::Check(args) => args.execute(),
        Command::Policies(args) => args.execute(),
        Command::Verify(args) => args.execute(),
        Command::Playground(args) => args.execute(),
        Command::Serve(args) => args.execute(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("palisade: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Logs on stderr, filtered by `PALISADE_LOG`: off by default for the CLI; JSON lines at `info`
/// for the webhook.
fn init_logging(server: bool) {
    let default = if server { "info" } else { "off" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if server { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
}

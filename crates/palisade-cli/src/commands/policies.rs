//! `palisade policies`: list policies, versions and rules.

use std::fmt::Write as _;

use clap::Args;
use palisade_engine::Engine;

use crate::policy_set::{PolicyOptions, PolicySet, PolicySource, engine_config};

/// List the policies and their rules.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// Policies to describe: a built-in name or a .wasm component (default: all built-ins).
    #[arg(long = "policy", value_name = "NAME|FILE.wasm")]
    policies: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

impl PoliciesArgs {
    /// Run the subcommand.
    pub fn execute(self) -> anyhow::Result<u8> {
        let engine = Engine::new(engine_config())?;
        let options = PolicyOptions {
            sources: self.policies.iter().map(|p| PolicySource::parse(p)).collect(),
            ..PolicyOptions::default()
        };
        let set = PolicySet::load(&engine, &options)?;
        let infos: Vec<_> = set.policies.iter().map(|p| p.policy.info()).collect();
        let text = match self.format {
            ListFormat::Json => format!("{}\n", serde_json::to_string_pretty(&infos)?),
            ListFormat::Text => {
                let mut out = String::new();
                for info in infos {
                    let _ = writeln!(
                        out,
                        "{} {} — {} ({} rules)",
                        info.name,
                        info.version,
                        info.description,
                        info.rules.len()
                    );
                    for r in &info.rules {
                        let state = if r.enabled_by_default { "on " } else { "opt" };
                        let _ = writeln!(out, "  {state} {:<8} {:<36} {}", r.severity.as_str(), r.id, r.title);
                    }
                }
                out
            }
        };
        crate::output::Destination::Stdout.write(&text)?;
        Ok(0)
    }
}

//! `palisade policies`: list policies, versions and rules.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

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
    /// Instead of listing, write each policy's component (`<name>.wasm`, the exact bytes the CLI
    /// runs) and its description (`<name>.json`) into this directory (the playground's input).
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
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
        if let Some(dir) = &self.export {
            export(&set, &options.sources, dir)?;
            return Ok(0);
        }
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

/// Write `<name>.wasm` and `<name>.json` for every policy of `set` into `dir` (created).
fn export(set: &PolicySet, sources: &[PolicySource], dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (i, configured) in set.policies.iter().enumerate() {
        let info = configured.policy.info();
        let bytes = match sources.get(i) {
            Some(PolicySource::File(path)) => {
                std::fs::read(path).with_context(|| format!("reading policy {}", path.display()))?
            }
            _ => palisade_policies::builtin(&info.name)
                .with_context(|| format!("policy `{}` is not built in", info.name))?
                .wasm
                .to_vec(),
        };
        let wasm = dir.join(format!("{}.wasm", info.name));
        std::fs::write(&wasm, bytes).with_context(|| format!("writing {}", wasm.display()))?;
        let json = dir.join(format!("{}.json", info.name));
        std::fs::write(&json, format!("{}\n", serde_json::to_string_pretty(info)?))
            .with_context(|| format!("writing {}", json.display()))?;
    }
    Ok(())
}

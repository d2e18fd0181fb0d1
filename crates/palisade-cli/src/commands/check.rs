//! `palisade check`: evaluate manifests against policies.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use palisade_core::skips::SkipMode;
use palisade_core::{InputLimits, Severity};
use palisade_engine::{Engine, EngineConfig};

use crate::inputs;
use crate::output::{ColorChoice, Destination};
use crate::pipeline::{self, CheckOptions};
use crate::policy_set::{PolicyOptions, PolicySet, PolicySource, RuleFilter, engine_config};

/// Check manifests against policies.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files, directories (searched for *.yaml, *.yml, *.json) or `-` for stdin.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Policy to run: a built-in name or a .wasm component; repeatable (default: all built-ins).
    #[arg(long = "policy", value_name = "NAME|FILE.wasm")]
    policies: Vec<String>,
    /// Settings for a policy from a YAML or JSON file; repeatable.
    #[arg(long = "settings", value_name = "NAME=FILE")]
    settings_files: Vec<String>,
    /// One setting as a YAML value, e.g. `hardening.rules.run-as-high-uid=on`; repeatable.
    #[arg(long = "set", value_name = "NAME.KEY=VALUE")]
    sets: Vec<String>,
    /// Exit 1 when a finding has at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    fail_on: Severity,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Run only rules matching these globs (rule id or policy/rule id); turns on opt-in rules.
    #[arg(long, value_name = "RULE")]
    include: Vec<String>,
    /// Skip rules matching these globs.
    #[arg(long, value_name = "RULE")]
    exclude: Vec<String>,
    /// Write the report to a file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Colour for text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Which skip annotations to honour: `none`, `native` (palisade.dev/skip) or `all` (also
    /// kube-linter, Polaris, kube-score, Checkov and Kubescape annotations).
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = SkipAnnotations::Native)]
    skip_annotations: SkipAnnotations,
    /// Judge as of this time (RFC 3339 or Unix seconds) instead of now.
    #[arg(long, value_name = "TIME", value_parser = palisade_core::time::parse_time)]
    now: Option<i64>,
    /// Wall-clock limit of one policy evaluation, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    policy_timeout: u64,
    /// Memory limit of one policy evaluation, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    policy_memory: usize,
    /// Largest input accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = InputLimits::default().max_bytes)]
    max_input_bytes: u64,
    /// Fetching of evidence that policies request (image signatures, chart provenance).
    #[command(flatten)]
    fetch: super::fetch::FetchArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Grouped by file, for people.
    Text,
    /// One JSON document (format version 1).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SAST dashboards).
    Sarif,
    /// JUnit XML (CI test reports).
    Junit,
    /// `wgpolicyk8s.io/v1alpha2` `PolicyReport` / `ClusterPolicyReport` as a `kind: List`.
    #[value(name = "policyreport")]
    PolicyReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SkipAnnotations {
    None,
    Native,
    All,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

impl CheckArgs {
    /// Run the subcommand.
    pub fn execute(self) -> anyhow::Result<u8> {
        let destination = self.output.clone().map_or(Destination::Stdout, Destination::File);
        destination.check_not_input(&self.paths)?;
        let options = PolicyOptions {
            sources: self.policies.iter().map(|p| PolicySource::parse(p)).collect(),
            settings: self.settings()?,
            filter: RuleFilter::new(&self.include, &self.exclude)?,
        };
        let engine = Engine::new(EngineConfig {
            timeout: Duration::from_millis(self.policy_timeout),
            memory_limit: self.policy_memory.saturating_mul(1 << 20),
            ..engine_config()
        })?;
        let limits = InputLimits { max_bytes: self.max_input_bytes, ..InputLimits::default() };
        let (sources, errors) = inputs::collect(&self.paths);
        let now = super::now_or_system(self.now);
        let skips = match self.skip_annotations {
            SkipAnnotations::None => SkipMode::None,
            SkipAnnotations::Native => SkipMode::Native,
            SkipAnnotations::All => SkipMode::All,
        };
        let check = CheckOptions { limits, skips, now_unix: now };
        let evidence = crate::fetch::remote(self.fetch.clone());
        let load = || PolicySet::load(&engine, &options);
        let (set, report) = pipeline::check_loading(load, &sources, errors, &check, &evidence)?;
        for e in &report.errors {
            let at = match (&e.file, e.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                (Some(f), None) => format!("{f}: "),
                _ => String::new(),
            };
            eprintln!("palisade: {at}{}", e.message);
        }
        let text = match self.format {
            Format::Json => palisade_core::format::render_json(&report),
            Format::Text => palisade_core::format::render_text(&report, destination.ansi(self.color)),
            Format::Sarif => palisade_core::format::render_sarif(&report, &set.rule_meta(), env!("CARGO_PKG_VERSION")),
            Format::Junit => palisade_core::format::render_junit(&report),
            Format::PolicyReport => {
                palisade_core::format::render_policy_report(&report, &set.rule_meta(), u64::try_from(now).unwrap_or(0))
            }
        };
        destination.write(&text)?;
        Ok(u8::try_from(report.exit_code(self.fail_on)).unwrap_or(crate::EXIT_ERROR))
    }

    /// Settings per policy: files first, then `--set` values on top.
    fn settings(&self) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
        let mut all: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        for arg in &self.settings_files {
            let Some((name, file)) = arg.split_once('=') else { bail!("--settings expects NAME=FILE, got `{arg}`") };
            let text = std::fs::read_to_string(file).with_context(|| format!("reading settings file {file}"))?;
            let value: serde_json::Value =
                serde_yaml::from_str(&text).with_context(|| format!("settings file {file}"))?;
            if !value.is_object() {
                bail!("settings file {file} must hold a mapping");
            }
            merge(all.entry(name.to_string()).or_insert_with(|| serde_json::json!({})), value);
        }
        for arg in &self.sets {
            let Some((path, raw)) = arg.split_once('=') else { bail!("--set expects NAME.KEY=VALUE, got `{arg}`") };
            let mut keys = path.split('.');
            let (Some(name), Some(_)) = (keys.next(), keys.clone().next()) else {
                bail!("--set expects NAME.KEY=VALUE, got `{arg}`");
            };
            let value: serde_json::Value =
                serde_yaml::from_str(raw).with_context(|| format!("--set {arg}: value is not YAML"))?;
            let mut nested = value;
            for key in keys.rev() {
                nested = serde_json::json!({ key: nested });
            }
            merge(all.entry(name.to_string()).or_insert_with(|| serde_json::json!({})), nested);
        }
        Ok(all)
    }
}

/// Deep-merge `patch` into `base` (mappings merge, everything else replaces).
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

//! The set of policies a run uses: which components, their settings, which rules are on and at
//! what severity.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use palisade_core::Severity;
use palisade_engine::{Engine, EngineConfig, Policy};
use rayon::prelude::*;

/// Which policy to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// An embedded policy, by name.
    Builtin(String),
    /// A component file.
    File(PathBuf),
}

impl PolicySource {
    /// `hardening` is a built-in; an existing file, anything ending in `.wasm` or containing a
    /// path separator is a component file.
    #[must_use]
    pub fn parse(arg: &str) -> Self {
        let path = std::path::Path::new(arg);
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wasm"))
            || path.components().count() > 1
            || path.is_file()
        {
            PolicySource::File(path.to_path_buf())
        } else {
            PolicySource::Builtin(arg.to_string())
        }
    }
}

/// Include/exclude globs over rule ids (`run-as-*`) or qualified ids (`hardening/run-as-*`).
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl RuleFilter {
    /// Compile the globs.
    pub fn new(include: &[String], exclude: &[String]) -> anyhow::Result<Self> {
        let build = |globs: &[String]| -> anyhow::Result<Option<GlobSet>> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).with_context(|| format!("invalid rule pattern `{g}`"))?);
            }
            Ok(Some(b.build()?))
        };
        Ok(RuleFilter { include: build(include)?, exclude: build(exclude)? })
    }

    fn matches(set: &GlobSet, policy: &str, rule: &str) -> bool {
        set.is_match(rule) || set.is_match(format!("{policy}/{rule}"))
    }
}

/// A policy with its settings and the effective severity of each enabled rule.
#[derive(Clone)]
pub struct ConfiguredPolicy {
    /// The loaded component.
    pub policy: Policy,
    /// Settings as JSON text, checked against the schema.
    pub settings: String,
    /// Enabled rules and their effective severity; rules not here are off.
    pub rules: BTreeMap<String, Severity>,
    /// The ids of `rules`, handed to the policy so it can skip the others.
    pub enabled: Vec<String>,
}

/// The policies of a run.
#[derive(Clone)]
pub struct PolicySet {
    /// In load order.
    pub policies: Vec<ConfiguredPolicy>,
}

/// Everything that selects and configures policies.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Policies to load; empty means every built-in.
    pub sources: Vec<PolicySource>,
    /// Settings per policy name.
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Rule globs.
    pub filter: RuleFilter,
}

/// The engine configuration of the CLI: cache under `$PALISADE_CACHE_DIR` or the user cache dir.
pub fn engine_config() -> EngineConfig {
    let cache_dir = match std::env::var_os("PALISADE_CACHE_DIR") {
        Some(dir) if dir.is_empty() => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("palisade").join("wasmtime")),
    };
    // On-demand allocation: a CLI run makes a few hundred stores; measured on the corpus, the
    // pooling allocator made no difference there (it is for the webhook's steady state).
    EngineConfig { cache_dir: cache_dir.filter(|d| d.is_absolute()), ..EngineConfig::default() }
}

impl PolicySet {
    /// Metadata of every enabled rule, at its effective severity, in load order.
    #[must_use]
    pub fn rule_meta(&self) -> Vec<palisade_core::RuleMeta> {
        let mut out = Vec::new();
        for p in &self.policies {
            for r in &p.policy.info().rules {
                if let Some(&severity) = p.rules.get(&r.id) {
                    out.push(palisade_core::RuleMeta { severity, ..r.clone() });
                }
            }
        }
        out
    }

    /// Load and configure policies.
    pub fn load(engine: &Engine, options: &PolicyOptions) -> anyhow::Result<Self> {
        let sources = if options.sources.is_empty() {
            palisade_policies::BUILTIN.iter().map(|b| PolicySource::Builtin(b.name.to_string())).collect()
        } else {
            options.sources.clone()
        };
        let mut policies: Vec<ConfiguredPolicy> = Vec::new();
        // Components load (from the compilation cache, or compile) in parallel; order is kept.
        let loaded: Vec<anyhow::Result<Policy>> = sources.par_iter().map(|source| load_one(engine, source)).collect();
        for policy in loaded {
            let policy = policy?;
            if policies.iter().any(|p| p.policy.name() == policy.name()) {
                bail!("policy `{}` is given twice", policy.name());
            }
            let settings = options.settings.get(policy.name()).cloned().unwrap_or_else(|| serde_json::json!({}));
            policies.push(configure(policy, settings, &options.filter)?);
        }
        for name in options.settings.keys() {
            if !policies.iter().any(|p| p.policy.name() == name) {
                bail!("settings given for policy `{name}`, which is not loaded");
            }
        }
        Ok(PolicySet { policies })
    }
}

fn load_one(engine: &Engine, source: &PolicySource) -> anyhow::Result<Policy> {
    match source {
        PolicySource::Builtin(name) => {
            let Some(builtin) = palisade_policies::builtin(name) else {
                let known: Vec<&str> = palisade_policies::BUILTIN.iter().map(|b| b.name).collect();
                bail!("unknown policy `{name}` (built-in: {}; or give a path to a .wasm component)", known.join(", "));
            };
            Ok(engine.load(&format!("builtin:{name}"), builtin.wasm)?)
        }
        PolicySource::File(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading policy {}", path.display()))?;
            Ok(engine.load(&path.display().to_string(), &bytes)?)
        }
    }
}

/// Split host-owned `rules` overrides from the policy's own settings, check the rest against the
/// schema, and decide each rule's state.
fn configure(policy: Policy, mut settings: serde_json::Value, filter: &RuleFilter) -> anyhow::Result<ConfiguredPolicy> {
    let name = policy.name().to_string();
    let overrides = palisade_core::rules::take_overrides(&name, &policy.info().rules, &mut settings)?;
    policy.check_settings(&settings)?;
    let mut rules = BTreeMap::new();
    for rule in &policy.info().rules {
        let (mut on, severity) = palisade_core::rules::state(&name, rule, &overrides)?;
        if let Some(include) = &filter.include {
            on = RuleFilter::matches(include, &name, &rule.id);
        }
        if filter.exclude.as_ref().is_some_and(|ex| RuleFilter::matches(ex, &name, &rule.id)) {
            on = false;
        }
        if on {
            rules.insert(rule.id.clone(), severity);
        }
    }
    let settings = serde_json::to_string(&settings)?;
    let enabled = rules.keys().cloned().collect();
    Ok(ConfiguredPolicy { policy, settings, rules, enabled })
}

//! The set of policies a run uses: which components, their settings, which rules are on and at
//! what severity. Shared by `palisade check` and the admission webhook (the *configure* step).

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::{Glob, GlobSet, GlobSetBuilder};
use palisade_core::Severity;
use rayon::prelude::*;

use crate::error::SetError;
use crate::{Engine, Policy};

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
    ///
    /// # Errors
    /// A pattern that is not a valid glob.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, SetError> {
        let build = |globs: &[String]| -> Result<Option<GlobSet>, SetError> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).map_err(|e| SetError::RulePattern { pattern: g.clone(), reason: e.to_string() })?);
            }
            b.build().map(Some).map_err(|e| SetError::RulePattern { pattern: globs.join(","), reason: e.to_string() })
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
    ///
    /// # Errors
    /// A policy that cannot be found, read or loaded, given twice, or settings that do not fit.
    pub fn load(engine: &Engine, options: &PolicyOptions) -> Result<Self, SetError> {
        let sources = if options.sources.is_empty() { default_sources() } else { options.sources.clone() };
        // Components load (from the compilation cache, or compile) in parallel; order is kept.
        let loaded: Vec<Result<Policy, SetError>> = sources.par_iter().map(|source| load_one(engine, source)).collect();
        let loaded = loaded.into_iter().collect::<Result<Vec<_>, _>>()?;
        Self::configure(loaded, &options.settings, &options.filter)
    }

    /// Configure loaded policies: settings per policy name, rule selection.
    ///
    /// # Errors
    /// A policy given twice, settings for a policy not in the set, or settings that do not fit.
    pub fn configure(
        loaded: Vec<Policy>,
        settings: &BTreeMap<String, serde_json::Value>,
        filter: &RuleFilter,
    ) -> Result<Self, SetError> {
        let mut policies: Vec<ConfiguredPolicy> = Vec::new();
        for policy in loaded {
            if policies.iter().any(|p| p.policy.name() == policy.name()) {
                return Err(SetError::Duplicate { name: policy.name().into() });
            }
            let own = settings.get(policy.name()).cloned().unwrap_or_else(|| serde_json::json!({}));
            policies.push(configure(policy, own, filter)?);
        }
        for name in settings.keys() {
            if !policies.iter().any(|p| p.policy.name() == name) {
                return Err(SetError::NotLoaded { name: name.clone() });
            }
        }
        Ok(PolicySet { policies })
    }
}

/// Every built-in policy, the default set.
#[must_use]
pub fn default_sources() -> Vec<PolicySource> {
    palisade_policies::BUILTIN.iter().map(|b| PolicySource::Builtin(b.name.to_string())).collect()
}

/// Load one policy component.
///
/// # Errors
/// Unknown built-in, unreadable file, or not a policy component.
pub fn load_one(engine: &Engine, source: &PolicySource) -> Result<Policy, SetError> {
    match source {
        PolicySource::Builtin(name) => {
            let Some(builtin) = palisade_policies::builtin(name) else {
                let known: Vec<&str> = palisade_policies::BUILTIN.iter().map(|b| b.name).collect();
                return Err(SetError::UnknownPolicy { name: name.clone(), known: known.join(", ") });
            };
            Ok(engine.load(&format!("builtin:{name}"), builtin.wasm)?)
        }
        PolicySource::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| SetError::Read { path: path.clone(), source })?;
            Ok(engine.load(&path.display().to_string(), &bytes)?)
        }
    }
}

/// Split host-owned `rules` overrides from the policy's own settings, check the rest against the
/// schema, and decide each rule's state.
///
/// # Errors
/// Settings that are not a mapping, name unknown rules, or do not match the policy's schema.
pub fn configure(
    policy: Policy,
    mut settings: serde_json::Value,
    filter: &RuleFilter,
) -> Result<ConfiguredPolicy, SetError> {
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
    let settings = settings.to_string();
    let enabled = rules.keys().cloned().collect();
    Ok(ConfiguredPolicy { policy, settings, rules, enabled })
}

//! Host-side description of a policy, converted from the guest's `policy-info`.

use palisade_core::{RuleMeta, Severity};
use serde::Serialize;

use crate::bindings::types;

/// What a policy says about itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyInfo {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// One line.
    pub description: String,
    /// Rules.
    pub rules: Vec<RuleMeta>,
    /// JSON Schema of the settings.
    pub settings_schema: serde_json::Value,
}

impl PolicyInfo {
    /// The rule with this id.
    #[must_use]
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }
}

pub(crate) fn severity(s: types::Severity) -> Severity {
    match s {
        types::Severity::Info => Severity::Info,
        types::Severity::Low => Severity::Low,
        types::Severity::Medium => Severity::Medium,
        types::Severity::High => Severity::High,
        types::Severity::Critical => Severity::Critical,
    }
}

/// Convert and check the guest's description: non-empty name, unique rule ids, schema is JSON.
pub(crate) fn convert(raw: types::PolicyInfo) -> Result<PolicyInfo, String> {
    if raw.name.is_empty() || !raw.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("invalid policy name `{}`", raw.name));
    }
    let mut seen = std::collections::HashSet::new();
    for r in &raw.rules {
        if r.id.is_empty() || !seen.insert(r.id.clone()) {
            return Err(format!("duplicate or empty rule id `{}`", r.id));
        }
    }
    let settings_schema =
        serde_json::from_str(&raw.settings_schema).map_err(|e| format!("settings schema is not JSON: {e}"))?;
    let rules = raw
        .rules
        .into_iter()
        .map(|r| RuleMeta {
            policy: raw.name.clone(),
            id: r.id,
            title: r.title,
            severity: severity(r.severity),
            category: r.category,
            remediation: r.remediation,
            standards: r.standards,
            enabled_by_default: r.enabled_by_default,
        })
        .collect();
    Ok(PolicyInfo { name: raw.name, version: raw.version, description: raw.description, rules, settings_schema })
}

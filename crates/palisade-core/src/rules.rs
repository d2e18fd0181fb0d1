//! The `rules` key every policy's settings share: a map from rule id to `on`, `off` or a
//! severity. The host takes it out of the settings before validating the rest against the
//! policy's schema, then decides each rule's state.

use serde_json::Value;

use crate::{RuleMeta, Severity};

/// Settings whose `rules` overrides are malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The settings are not a mapping.
    #[error("settings for policy `{policy}` must be a mapping")]
    NotAMapping {
        /// Policy name.
        policy: String,
    },
    /// `rules` is not a mapping.
    #[error("settings for policy `{policy}`: `rules` must be a mapping of rule id to on, off or a severity")]
    RulesNotAMapping {
        /// Policy name.
        policy: String,
    },
    /// `rules` names a rule the policy does not have.
    #[error("settings for policy `{policy}`: unknown rule `{rule}`")]
    UnknownRule {
        /// Policy name.
        policy: String,
        /// The id given.
        rule: String,
    },
    /// A rule's value is not `on`, `off`, a boolean or a severity.
    #[error("settings for policy `{policy}`, rule `{rule}`: {reason}")]
    BadValue {
        /// Policy name.
        policy: String,
        /// Rule id.
        rule: String,
        /// What is wrong.
        reason: String,
    },
}

/// Remove `rules` from `settings` (a mapping) and check that it names only rules of the policy.
///
/// # Errors
/// Settings or `rules` not a mapping, or an unknown rule id.
pub fn take_overrides(
    policy: &str,
    rules: &[RuleMeta],
    settings: &mut Value,
) -> Result<serde_json::Map<String, Value>, RulesError> {
    let Some(object) = settings.as_object_mut() else {
        return Err(RulesError::NotAMapping { policy: policy.into() });
    };
    let overrides = object.remove("rules").unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    let Value::Object(overrides) = overrides else {
        return Err(RulesError::RulesNotAMapping { policy: policy.into() });
    };
    if let Some(id) = overrides.keys().find(|id| !rules.iter().any(|r| &r.id == *id)) {
        return Err(RulesError::UnknownRule { policy: policy.into(), rule: id.clone() });
    }
    Ok(overrides)
}

/// Whether `rule` is on and at which severity, given the overrides from [`take_overrides`].
///
/// # Errors
/// A value that is not `on`, `off`, a boolean or a severity name.
pub fn state(
    policy: &str,
    rule: &RuleMeta,
    overrides: &serde_json::Map<String, Value>,
) -> Result<(bool, Severity), RulesError> {
    let bad = |reason: String| RulesError::BadValue { policy: policy.into(), rule: rule.id.clone(), reason };
    Ok(match overrides.get(&rule.id) {
        None => (rule.enabled_by_default, rule.severity),
        Some(Value::Bool(false)) => (false, rule.severity),
        Some(Value::Bool(true)) => (true, rule.severity),
        Some(Value::String(s)) if s == "off" => (false, rule.severity),
        Some(Value::String(s)) if s == "on" => (true, rule.severity),
        Some(Value::String(s)) => (true, s.parse::<Severity>().map_err(bad)?),
        Some(other) => return Err(bad(format!("expected on, off or a severity, got {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, on: bool) -> RuleMeta {
        RuleMeta {
            policy: "p".into(),
            id: id.into(),
            title: String::new(),
            severity: Severity::Medium,
            category: String::new(),
            remediation: String::new(),
            standards: Vec::new(),
            enabled_by_default: on,
        }
    }

    #[test]
    fn overrides_turn_rules_on_off_and_change_severity() {
        let rules = [rule("a", true), rule("b", false), rule("c", true), rule("d", true)];
        let mut settings = serde_json::json!({"x": 1, "rules": {"a": "off", "b": "critical", "c": true}});
        let overrides = take_overrides("p", &rules, &mut settings).unwrap();
        assert_eq!(settings, serde_json::json!({"x": 1}));
        let states: Vec<_> = rules.iter().map(|r| state("p", r, &overrides).unwrap()).collect();
        assert_eq!(
            states,
            vec![
                (false, Severity::Medium),
                (true, Severity::Critical),
                (true, Severity::Medium),
                (true, Severity::Medium)
            ]
        );
    }

    #[test]
    fn malformed_overrides_name_policy_and_rule() {
        let rules = [rule("a", true)];
        let err = |mut v: Value| take_overrides("p", &rules, &mut v).unwrap_err().to_string();
        assert_eq!(err(serde_json::json!([])), "settings for policy `p` must be a mapping");
        assert_eq!(
            err(serde_json::json!({"rules": 1})),
            "settings for policy `p`: `rules` must be a mapping of rule id to on, off or a severity"
        );
        assert_eq!(err(serde_json::json!({"rules": {"z": "on"}})), "settings for policy `p`: unknown rule `z`");
        let bad = serde_json::json!({"a": 3});
        let Value::Object(map) = bad else { unreachable!() };
        assert_eq!(
            state("p", &rules[0], &map).unwrap_err().to_string(),
            "settings for policy `p`, rule `a`: expected on, off or a severity, got 3"
        );
    }
}

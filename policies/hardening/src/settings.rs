//! Settings of the hardening policy and their JSON Schema.
//!
//! The host validates settings against [`SCHEMA`] before `evaluate` runs; [`Settings::parse`] applies
//! the same shape with serde (unknown fields are refused here too), so the two cannot drift apart
//! silently: a test checks that the schema's defaults deserialize to [`Settings::default`].

use palisade_policy_sdk::Value;
use serde::Deserialize;

/// JSON Schema (draft 2020-12) of the settings object.
pub(crate) const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "hardening policy settings",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "allowedCapabilities": {
      "description": "Capabilities a container may add on top of what `capabilities-add-restricted` (NET_BIND_SERVICE) and `capabilities-add-baseline` (the container runtime's default set) accept. Compared exactly, as Pod Security Admission does.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": []
    },
    "dangerousCapabilities": {
      "description": "Capabilities that `capabilities-dangerous` reports when a container adds them. Compared case-insensitively, with or without a `CAP_` prefix.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": ["ALL", "BPF", "MAC_ADMIN", "MAC_OVERRIDE", "NET_ADMIN", "NET_RAW", "PERFMON", "SETPCAP", "SYS_ADMIN", "SYS_BOOT", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO"]
    },
    "minRunAsUser": {
      "description": "Lowest UID that `run-as-high-uid` accepts as the effective `runAsUser` of a container.",
      "type": "integer",
      "minimum": 0,
      "default": 10000
    },
    "minRunAsGroup": {
      "description": "Lowest GID that `run-as-high-gid` accepts as the effective `runAsGroup` of a container.",
      "type": "integer",
      "minimum": 0,
      "default": 10000
    },
    "namespaceEnforceLevel": {
      "description": "Lowest `pod-security.kubernetes.io/enforce` level that `namespace-pss-enforce-label` accepts on a Namespace.",
      "enum": ["baseline", "restricted"],
      "default": "baseline"
    },
    "hardenedRuntimeClasses": {
      "description": "RuntimeClass names that `hardened-runtime-class` accepts as sandboxed runtimes (for example gvisor, kata). An empty list turns the rule off.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": ["gvisor"]
    }
  }
}"#;

/// A Pod Security Standards level a Namespace may enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PssLevel {
    /// `privileged`: no restriction.
    Privileged,
    /// `baseline`.
    Baseline,
    /// `restricted`.
    Restricted,
}

impl PssLevel {
    /// The level a `pod-security.kubernetes.io/enforce` label value names, if any.
    pub(crate) fn from_label(value: &str) -> Option<Self> {
        match value {
            "privileged" => Some(Self::Privileged),
            "baseline" => Some(Self::Baseline),
            "restricted" => Some(Self::Restricted),
            _ => None,
        }
    }
}

/// Parsed settings; see [`SCHEMA`] for what each field means.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Settings {
    pub(crate) allowed_capabilities: Vec<String>,
    pub(crate) dangerous_capabilities: Vec<String>,
    pub(crate) min_run_as_user: i64,
    pub(crate) min_run_as_group: i64,
    pub(crate) namespace_enforce_level: PssLevel,
    pub(crate) hardened_runtime_classes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect();
        Self {
            allowed_capabilities: Vec::new(),
            dangerous_capabilities: names(&[
                "ALL",
                "BPF",
                "MAC_ADMIN",
                "MAC_OVERRIDE",
                "NET_ADMIN",
                "NET_RAW",
                "PERFMON",
                "SETPCAP",
                "SYS_ADMIN",
                "SYS_BOOT",
                "SYS_MODULE",
                "SYS_PTRACE",
                "SYS_RAWIO",
            ]),
            min_run_as_user: 10_000,
            min_run_as_group: 10_000,
            namespace_enforce_level: PssLevel::Baseline,
            hardened_runtime_classes: names(&["gvisor"]),
        }
    }
}

impl Settings {
    /// Reads the settings object the host passed in.
    ///
    /// # Errors
    /// The settings do not have the shape of [`SCHEMA`].
    pub(crate) fn parse(settings: &Value) -> Result<Self, String> {
        Self::deserialize(settings).map_err(|e| format!("invalid settings: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    fn schema() -> Value {
        serde_json::from_str(SCHEMA).unwrap()
    }

    #[test]
    fn schema_is_closed_and_documented() {
        let schema = schema();
        assert_eq!(schema["$schema"], json!("https://json-schema.org/draft/2020-12/schema"));
        assert_eq!(schema["additionalProperties"], json!(false));
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(properties.len(), 6);
        for (name, property) in properties {
            let description = property["description"].as_str().unwrap_or_default();
            assert!(!description.is_empty(), "{name} has no description");
        }
    }

    #[test]
    fn schema_defaults_are_the_settings_defaults() {
        let defaults: serde_json::Map<String, Value> = schema()["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, property)| (name.clone(), property["default"].clone()))
            .collect();
        assert_eq!(Settings::parse(&Value::Object(defaults)), Ok(Settings::default()));
        assert_eq!(Settings::parse(&json!({})), Ok(Settings::default()));
    }

    #[test]
    fn parse_reads_every_field_and_refuses_unknown_ones() {
        let parsed = Settings::parse(&json!({
            "allowedCapabilities": ["NET_ADMIN"],
            "dangerousCapabilities": ["SYS_ADMIN"],
            "minRunAsUser": 1000,
            "minRunAsGroup": 2000,
            "namespaceEnforceLevel": "restricted",
            "hardenedRuntimeClasses": ["kata"]
        }));
        assert_eq!(
            parsed,
            Ok(Settings {
                allowed_capabilities: vec!["NET_ADMIN".into()],
                dangerous_capabilities: vec!["SYS_ADMIN".into()],
                min_run_as_user: 1000,
                min_run_as_group: 2000,
                namespace_enforce_level: PssLevel::Restricted,
                hardened_runtime_classes: vec!["kata".into()],
            })
        );
        assert_eq!(
            Settings::parse(&json!({"mode": "x"})),
            Err("invalid settings: unknown field `mode`, expected one of `allowedCapabilities`, `dangerousCapabilities`, \
                 `minRunAsUser`, `minRunAsGroup`, `namespaceEnforceLevel`, `hardenedRuntimeClasses`"
                .to_string())
        );
    }

    #[test]
    fn pss_levels_read_labels_and_order_by_strictness() {
        let levels: Vec<_> =
            ["privileged", "baseline", "restricted", "Baseline", ""].into_iter().map(PssLevel::from_label).collect();
        assert_eq!(
            levels,
            [Some(PssLevel::Privileged), Some(PssLevel::Baseline), Some(PssLevel::Restricted), None, None]
        );
        assert!(PssLevel::Privileged < PssLevel::Baseline && PssLevel::Baseline < PssLevel::Restricted);
    }
}

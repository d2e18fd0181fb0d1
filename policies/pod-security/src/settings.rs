//! Settings of the pod-security policy and their JSON Schema.
//!
//! The host validates settings against [`SCHEMA`] before `evaluate` runs; [`Settings::parse`] reads
//! the same shape with serde and refuses unknown fields too. A test checks that the schema's
//! defaults deserialize to [`Settings::default`], so the two cannot drift apart silently.
//!
//! The default level is `baseline`, not `restricted`: the policy runs by default beside `hardening`
//! (which already reports the restricted-level controls as its own rules), and baseline is what
//! Kubernetes recommends as the floor for every namespace. It blocks the known privilege escalations
//! without asking every chart to be rewritten; `level: restricted` is one setting away, and a
//! rendered Namespace can raise (or lower) the level for its own pods through its
//! `pod-security.kubernetes.io/enforce` label.

use palisade_policy_sdk::Value;
use serde::Deserialize;

use crate::level::{Level, Version};

/// JSON Schema (draft 2020-12) of the settings object.
pub(crate) const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "pod-security policy settings",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "level": {
      "description": "Pod Security Standards level pods are judged at, unless their Namespace says otherwise (see honorNamespaceLabels). `privileged` reports nothing; `restricted` includes every baseline check.",
      "enum": ["privileged", "baseline", "restricted"],
      "default": "baseline"
    },
    "version": {
      "description": "Pod Security Standards version (the Kubernetes minor release whose checks apply), or `latest` for the newest one this policy knows (v1.37).",
      "enum": ["latest", "v1.0", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13", "v1.14", "v1.15", "v1.16", "v1.17", "v1.18", "v1.19", "v1.20", "v1.21", "v1.22", "v1.23", "v1.24", "v1.25", "v1.26", "v1.27", "v1.28", "v1.29", "v1.30", "v1.31", "v1.32", "v1.33", "v1.34", "v1.35", "v1.36", "v1.37"],
      "default": "latest"
    },
    "exemptions": {
      "description": "Pods not judged at all, as in the `exemptions` of a PodSecurityConfiguration: by the namespace of their object (`metadata.namespace`) or by their `runtimeClassName`.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "namespaces": {
          "description": "Namespaces whose pods are exempt.",
          "type": "array",
          "items": {"type": "string", "minLength": 1},
          "uniqueItems": true,
          "default": []
        },
        "runtimeClasses": {
          "description": "RuntimeClass names whose pods are exempt.",
          "type": "array",
          "items": {"type": "string", "minLength": 1},
          "uniqueItems": true,
          "default": []
        }
      },
      "default": {"namespaces": [], "runtimeClasses": []}
    },
    "honorNamespaceLabels": {
      "description": "When the input holds a Namespace with a `pod-security.kubernetes.io/enforce` (and optionally `pod-security.kubernetes.io/enforce-version`) label, judge the objects that name that namespace in `metadata.namespace` at that level and version, as the admission controller would. Invalid label values are judged as restricted and latest (fail closed), as upstream does.",
      "type": "boolean",
      "default": true
    }
  }
}"#;

/// Pods exempt from evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Exemptions {
    /// Namespaces whose pods are not judged.
    pub(crate) namespaces: Vec<String>,
    /// `runtimeClassName`s whose pods are not judged.
    pub(crate) runtime_classes: Vec<String>,
}

impl Exemptions {
    /// Whether a pod in `namespace` running with `runtime_class` is exempt.
    pub(crate) fn cover(&self, namespace: Option<&str>, runtime_class: Option<&str>) -> bool {
        let listed = |list: &[String], name: Option<&str>| name.is_some_and(|n| list.iter().any(|x| x == n));
        listed(&self.namespaces, namespace) || listed(&self.runtime_classes, runtime_class)
    }
}

/// Parsed settings; see [`SCHEMA`] for what each field means.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Settings {
    pub(crate) level: Level,
    #[serde(deserialize_with = "Version::deserialize_setting")]
    pub(crate) version: Version,
    pub(crate) exemptions: Exemptions,
    pub(crate) honor_namespace_labels: bool,
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

impl Default for Settings {
    fn default() -> Self {
        Self {
            level: Level::Baseline,
            version: Version::LATEST,
            exemptions: Exemptions::default(),
            honor_namespace_labels: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    fn schema() -> Value {
        serde_json::from_str(SCHEMA).unwrap()
    }

    /// Every `properties` object of the schema, with its path, the root first.
    fn objects(schema: &Value, path: &str, out: &mut Vec<(String, Value)>) {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            out.push((path.to_string(), schema.clone()));
            for (name, property) in properties {
                objects(property, &format!("{path}/{name}"), out);
            }
        }
    }

    #[test]
    fn schema_is_closed_and_documented() {
        let schema = schema();
        assert_eq!(schema["$schema"], json!("https://json-schema.org/draft/2020-12/schema"));
        let mut found = Vec::new();
        objects(&schema, "", &mut found);
        let paths: Vec<_> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["", "/exemptions"]);
        for (path, object) in &found {
            assert_eq!(object["additionalProperties"], json!(false), "{path}");
            for (name, property) in object["properties"].as_object().unwrap() {
                let description = property["description"].as_str().unwrap_or_default();
                assert!(!description.is_empty(), "{path}/{name} has no description");
            }
        }
        let names: Vec<_> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(names, ["exemptions", "honorNamespaceLabels", "level", "version"]);
    }

    #[test]
    fn schema_lists_every_version() {
        let expected: Vec<Value> = std::iter::once("latest".to_string())
            .chain(Version::all().map(|v| v.to_string()))
            .map(Value::from)
            .collect();
        assert_eq!(schema()["properties"]["version"]["enum"], Value::Array(expected));
    }

    #[test]
    fn schema_defaults_are_the_settings_defaults() {
        let schema = schema();
        let default_of = |path: &str| schema.pointer(&format!("/properties/{path}/default")).cloned();
        let defaults = json!({
            "level": default_of("level"),
            "version": default_of("version"),
            "exemptions": {
                "namespaces": default_of("exemptions/properties/namespaces"),
                "runtimeClasses": default_of("exemptions/properties/runtimeClasses")
            },
            "honorNamespaceLabels": default_of("honorNamespaceLabels")
        });
        assert_eq!(default_of("exemptions").as_ref(), Some(&defaults["exemptions"]));
        for settings in [defaults, json!({}), json!({"exemptions": {}})] {
            assert_eq!(Settings::parse(&settings), Ok(Settings::default()), "{settings}");
        }
    }

    #[test]
    fn parse_reads_every_field_and_refuses_unknown_ones() {
        let parsed = Settings::parse(&json!({
            "level": "restricted",
            "version": "v1.24",
            "exemptions": {"namespaces": ["kube-system"], "runtimeClasses": ["kata"]},
            "honorNamespaceLabels": false
        }));
        assert_eq!(
            parsed,
            Ok(Settings {
                level: Level::Restricted,
                version: Version::v1(24),
                exemptions: Exemptions { namespaces: vec!["kube-system".into()], runtime_classes: vec!["kata".into()] },
                honor_namespace_labels: false,
            })
        );
        assert_eq!(
            Settings::parse(&json!({"levle": "baseline"})),
            Err("invalid settings: unknown field `levle`, expected one of `level`, `version`, `exemptions`, \
                 `honorNamespaceLabels`"
                .to_string())
        );
        assert_eq!(
            Settings::parse(&json!({"exemptions": {"usernames": ["x"]}})),
            Err("invalid settings: unknown field `usernames`, expected `namespaces` or `runtimeClasses`".to_string())
        );
        assert_eq!(
            Settings::parse(&json!({"level": "strict"})),
            Err("invalid settings: unknown variant `strict`, expected one of `privileged`, `baseline`, `restricted`"
                .to_string())
        );
    }

    #[test]
    fn exemptions_match_namespace_or_runtime_class() {
        let exemptions = Exemptions { namespaces: vec!["kube-system".into()], runtime_classes: vec!["kata".into()] };
        let cases = [
            (Some("kube-system"), None, true),
            (Some("apps"), Some("kata"), true),
            (Some("apps"), Some("runc"), false),
            (None, None, false),
        ];
        for (namespace, runtime_class, exempt) in cases {
            assert_eq!(exemptions.cover(namespace, runtime_class), exempt, "{namespace:?} {runtime_class:?}");
        }
    }
}

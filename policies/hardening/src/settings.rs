//! Settings of the hardening policy and their JSON Schema.
//!
//! The host validates settings against [`SCHEMA`] before `evaluate` runs; [`Settings::parse`] applies
//! the same shape with serde (unknown fields are refused here too), so the two cannot drift apart
//! silently: a test checks that the schema's defaults deserialize to [`Settings::default`].

use palisade_policy_sdk::Value;
use serde::Deserialize;

use crate::quantity::Written;

/// JSON Schema (draft 2020-12) of the settings object.
pub(crate) const SCHEMA: &str = r##"{
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
    },
    "allowedRegistries": {
      "description": "Image prefixes that `image-registry-allowlist` accepts, matched at a path boundary against the fully qualified image name (`docker.io/bitnami` accepts `bitnami/redis`, `registry.k8s.io` every image of that registry). An empty list turns the rule off.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": []
    },
    "deniedRegistries": {
      "description": "Image prefixes that `image-registry-denylist` reports, matched like `allowedRegistries`. An empty list turns the rule off.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": []
    },
    "requiredLabels": {
      "description": "Label keys that `required-labels` requires on every workload.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": ["owner"]
    },
    "requiredAnnotations": {
      "description": "Annotation keys that `required-annotations` requires, with a non-empty value, on every workload; an annotation named `email` must also hold an e-mail address.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": ["email"]
    },
    "resourceRanges": {
      "description": "Bounds that `resources-within-bounds` enforces on container CPU and memory requests and limits, as Kubernetes quantities (`250m`, `0.5`, `512Mi`, `1Gi`, `1e9`). Unset bounds are not checked.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "cpuRequestMin": {"$ref": "#/$defs/quantity"},
        "cpuRequestMax": {"$ref": "#/$defs/quantity"},
        "cpuLimitMin": {"$ref": "#/$defs/quantity"},
        "cpuLimitMax": {"$ref": "#/$defs/quantity"},
        "memoryRequestMin": {"$ref": "#/$defs/quantity"},
        "memoryRequestMax": {"$ref": "#/$defs/quantity"},
        "memoryLimitMin": {"$ref": "#/$defs/quantity"},
        "memoryLimitMax": {"$ref": "#/$defs/quantity"}
      },
      "default": {}
    },
    "minReplicas": {
      "description": "Fewest `spec.replicas` that `replicas-minimum` accepts on a Deployment (kube-score 2, kube-linter 3).",
      "type": "integer",
      "minimum": 1,
      "default": 2
    },
    "hpaMinReplicas": {
      "description": "Lowest HorizontalPodAutoscaler `spec.minReplicas` that `hpa-min-replicas` accepts (Polaris and kube-score 2, kube-linter 3).",
      "type": "integer",
      "minimum": 1,
      "default": 2
    },
    "sensitiveKeyPatterns": {
      "description": "Names of environment variables (`env-literal-secret`) and ConfigMap keys (`configmap-sensitive-content`) that hold credentials: case-insensitive glob patterns matched against the whole name, where `*` matches any run of characters.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": ["*password*", "*passwd*", "*secret*", "*token*", "*apikey*", "*api_key*", "*api-key*", "*accesskey*", "*access_key*", "*privatekey*", "*private_key*", "*credential*", "*bearer*"]
    },
    "forbiddenServiceTypes": {
      "description": "Service types that `service-type-forbidden` reports (kube-score: NodePort; kube-linter also LoadBalancer).",
      "type": "array",
      "items": {"enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]},
      "uniqueItems": true,
      "default": ["NodePort"]
    },
    "acceptedPriorityClasses": {
      "description": "PriorityClass names that `priority-class` accepts in `priorityClassName`. An empty list accepts any name, and the rule only requires one to be set.",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": []
    },
    "roleVerbsAllowlist": {
      "description": "Verbs that `role-verbs-allowlist` accepts in Role and ClusterRole rules (default: read-only).",
      "type": "array",
      "items": {"type": "string", "minLength": 1},
      "uniqueItems": true,
      "default": ["get", "list", "watch"]
    },
    "dnsConfigOptions": {
      "description": "Entries that `dns-config-options` requires in a pod's `dnsConfig.options` (kube-linter: `ndots: 2`); an entry without `value` only requires the option name.",
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {"name": {"type": "string", "minLength": 1}, "value": {"type": "string"}}
      },
      "default": [{"name": "ndots", "value": "2"}]
    }
  },
  "$defs": {
    "quantity": {
      "description": "A Kubernetes quantity.",
      "type": ["string", "number"],
      "pattern": "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+)?$"
    }
  }
}"##;

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
    pub(crate) allowed_registries: Vec<String>,
    pub(crate) denied_registries: Vec<String>,
    pub(crate) required_labels: Vec<String>,
    pub(crate) required_annotations: Vec<String>,
    pub(crate) resource_ranges: ResourceRanges,
    pub(crate) min_replicas: u32,
    pub(crate) hpa_min_replicas: u32,
    pub(crate) sensitive_key_patterns: Vec<String>,
    pub(crate) forbidden_service_types: Vec<String>,
    pub(crate) accepted_priority_classes: Vec<String>,
    pub(crate) role_verbs_allowlist: Vec<String>,
    pub(crate) dns_config_options: Vec<DnsOption>,
}

/// Bounds on container CPU and memory (setting `resourceRanges`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ResourceRanges {
    pub(crate) cpu_request_min: Option<Written>,
    pub(crate) cpu_request_max: Option<Written>,
    pub(crate) cpu_limit_min: Option<Written>,
    pub(crate) cpu_limit_max: Option<Written>,
    pub(crate) memory_request_min: Option<Written>,
    pub(crate) memory_request_max: Option<Written>,
    pub(crate) memory_limit_min: Option<Written>,
    pub(crate) memory_limit_max: Option<Written>,
}

/// A required `dnsConfig.options` entry (setting `dnsConfigOptions`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsOption {
    pub(crate) name: String,
    pub(crate) value: Option<String>,
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
            allowed_registries: Vec::new(),
            denied_registries: Vec::new(),
            required_labels: names(&["owner"]),
            required_annotations: names(&["email"]),
            resource_ranges: ResourceRanges::default(),
            min_replicas: 2,
            hpa_min_replicas: 2,
            sensitive_key_patterns: names(&[
                "*password*",
                "*passwd*",
                "*secret*",
                "*token*",
                "*apikey*",
                "*api_key*",
                "*api-key*",
                "*accesskey*",
                "*access_key*",
                "*privatekey*",
                "*private_key*",
                "*credential*",
                "*bearer*",
            ]),
            forbidden_service_types: names(&["NodePort"]),
            accepted_priority_classes: Vec::new(),
            role_verbs_allowlist: names(&["get", "list", "watch"]),
            dns_config_options: vec![DnsOption { name: "ndots".into(), value: Some("2".into()) }],
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
    use crate::quantity::Quantity;
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
        assert_eq!(properties.len(), 18);
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
            "hardenedRuntimeClasses": ["kata"],
            "allowedRegistries": ["registry.example.com"],
            "deniedRegistries": ["docker.io"],
            "requiredLabels": ["team"],
            "requiredAnnotations": [],
            "resourceRanges": {"cpuLimitMax": "2", "memoryRequestMin": "64Mi"},
            "minReplicas": 3,
            "hpaMinReplicas": 3,
            "sensitiveKeyPatterns": ["*pin*"],
            "forbiddenServiceTypes": ["NodePort", "LoadBalancer"],
            "acceptedPriorityClasses": ["high"],
            "roleVerbsAllowlist": ["get"],
            "dnsConfigOptions": [{"name": "single-request-reopen"}]
        }));
        let quantity = |text: &str| Written { text: text.into(), value: Quantity::parse(text).unwrap() };
        assert_eq!(
            parsed,
            Ok(Settings {
                allowed_capabilities: vec!["NET_ADMIN".into()],
                dangerous_capabilities: vec!["SYS_ADMIN".into()],
                min_run_as_user: 1000,
                min_run_as_group: 2000,
                namespace_enforce_level: PssLevel::Restricted,
                hardened_runtime_classes: vec!["kata".into()],
                allowed_registries: vec!["registry.example.com".into()],
                denied_registries: vec!["docker.io".into()],
                required_labels: vec!["team".into()],
                required_annotations: Vec::new(),
                resource_ranges: ResourceRanges {
                    cpu_limit_max: Some(quantity("2")),
                    memory_request_min: Some(quantity("64Mi")),
                    ..ResourceRanges::default()
                },
                min_replicas: 3,
                hpa_min_replicas: 3,
                sensitive_key_patterns: vec!["*pin*".into()],
                forbidden_service_types: vec!["NodePort".into(), "LoadBalancer".into()],
                accepted_priority_classes: vec!["high".into()],
                role_verbs_allowlist: vec!["get".into()],
                dns_config_options: vec![DnsOption { name: "single-request-reopen".into(), value: None }],
            })
        );
        assert_eq!(
            Settings::parse(&json!({"mode": "x"})),
            Err("invalid settings: unknown field `mode`, expected one of `allowedCapabilities`, `dangerousCapabilities`, \
                 `minRunAsUser`, `minRunAsGroup`, `namespaceEnforceLevel`, `hardenedRuntimeClasses`, `allowedRegistries`, \
                 `deniedRegistries`, `requiredLabels`, `requiredAnnotations`, `resourceRanges`, `minReplicas`, \
                 `hpaMinReplicas`, `sensitiveKeyPatterns`, `forbiddenServiceTypes`, `acceptedPriorityClasses`, \
                 `roleVerbsAllowlist`, `dnsConfigOptions`"
                .to_string())
        );
        assert_eq!(
            Settings::parse(&json!({"resourceRanges": {"cpuLimitMax": "two"}})),
            Err("invalid settings: invalid quantity `two`".to_string())
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

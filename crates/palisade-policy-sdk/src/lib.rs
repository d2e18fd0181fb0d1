//! Guest-side SDK for palisade policy components.
//!
//! A policy implements [`Policy`] and calls [`export_policy!`]; the SDK turns the WIT types into
//! parsed JSON, walks workloads ([`workload`]) and builds findings. Policies built on it have zero
//! imports, so they run unchanged in wasmtime and in the browser.

extern crate self as palisade_policy_sdk;

pub mod pointer;
pub mod rule;
pub mod workload;

#[doc(hidden)]
pub use wit_bindgen;

pub use rule::{Finding, RuleDef, Severity};
pub use serde_json::{self, Value, json};

/// Bindings generated from `wit/policy.wit`.
#[allow(missing_docs, clippy::pedantic, unsafe_code)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "policy",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "palisade_policy_sdk::bindings",
        runtime_path: "palisade_policy_sdk::wit_bindgen::rt",
    });
}

use bindings::palisade::policy::types as wit;

/// One Kubernetes object handed to a policy, parsed.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Index to report findings against.
    pub index: u32,
    /// The object.
    pub json: Value,
}

impl Resource {
    /// `kind`, or `""`.
    #[must_use]
    pub fn kind(&self) -> &str {
        self.json.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    /// `apiVersion`, or `""`.
    #[must_use]
    pub fn api_version(&self) -> &str {
        self.json.get("apiVersion").and_then(Value::as_str).unwrap_or("")
    }

    /// `metadata.name`, or `""`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.json.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("")
    }

    /// `metadata.namespace`, if set.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.json.pointer("/metadata/namespace").and_then(Value::as_str)
    }
}

/// Evidence the host fetched.
pub type Evidence = wit::Evidence;
/// A request for evidence.
pub type EvidenceRequest = wit::EvidenceRequest;

/// What `evaluate` receives.
#[derive(Debug)]
pub struct Input {
    /// All objects of the set, in order.
    pub resources: Vec<Resource>,
    /// Evidence fetched for this evaluation.
    pub evidence: Vec<Evidence>,
    /// Settings, validated by the host against the policy's schema.
    pub settings: Value,
    /// Seconds since the Unix epoch.
    pub now_unix: u64,
    /// Rules the host will report (empty: all); see [`Input::runs`].
    pub rules: Vec<String>,
}

impl Input {
    /// Whether the host reports rule `id`, so the policy should evaluate it.
    #[must_use]
    pub fn runs(&self, id: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == id)
    }
}

/// Static description of a policy.
pub struct PolicyMeta {
    /// Name (`hardening`).
    pub name: &'static str,
    /// Version.
    pub version: &'static str,
    /// One line.
    pub description: &'static str,
    /// Rules.
    pub rules: &'static [RuleDef],
    /// JSON Schema of the settings.
    pub settings_schema: &'static str,
}

/// A policy. Implement it on a unit struct and pass that to [`export_policy!`].
pub trait Policy {
    /// Describe the policy.
    fn meta() -> &'static PolicyMeta;

    /// Evidence needed; none by default.
    ///
    /// # Errors
    /// Bad settings or resources the policy cannot work with.
    fn requests(_resources: &[Resource], _settings: &Value) -> Result<Vec<EvidenceRequest>, String> {
        Ok(Vec::new())
    }

    /// Judge the whole set.
    ///
    /// # Errors
    /// The input cannot be evaluated (never used for a deny).
    fn evaluate(input: &Input) -> Result<Vec<Finding>, String>;
}

fn parse_resources(list: Vec<wit::Resource>) -> Result<Vec<Resource>, String> {
    list.into_iter()
        .map(|r| {
            serde_json::from_str(&r.json)
                .map(|json| Resource { index: r.index, json })
                .map_err(|e| format!("resource {} is not valid JSON: {e}", r.index))
        })
        .collect()
}

fn parse_settings(settings: &str) -> Result<Value, String> {
    if settings.trim().is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_str(settings).map_err(|e| format!("settings are not valid JSON: {e}"))
}

#[doc(hidden)]
pub mod adapter {
    //! Glue between the generated bindings and [`Policy`]; used by [`export_policy!`].
    use super::{Input, Policy, parse_resources, parse_settings, wit};

    /// `info` export.
    #[must_use]
    pub fn info<P: Policy>() -> wit::PolicyInfo {
        let m = P::meta();
        wit::PolicyInfo {
            name: m.name.into(),
            version: m.version.into(),
            description: m.description.into(),
            rules: m.rules.iter().map(super::RuleDef::to_wit).collect(),
            settings_schema: m.settings_schema.into(),
        }
    }

    /// `requests` export.
    pub fn requests<P: Policy>(
        resources: Vec<wit::Resource>,
        settings: String,
    ) -> Result<Vec<wit::EvidenceRequest>, String> {
        P::requests(&parse_resources(resources)?, &parse_settings(&settings)?)
    }

    /// `evaluate` export.
    pub fn evaluate<P: Policy>(input: wit::Evaluation) -> Result<Vec<wit::Finding>, String> {
        let input = Input {
            resources: parse_resources(input.resources)?,
            evidence: input.evidence,
            settings: parse_settings(&input.settings)?,
            now_unix: input.now_unix,
            rules: input.rules,
        };
        Ok(P::evaluate(&input)?.into_iter().map(super::Finding::into_wit).collect())
    }
}

/// Export a [`Policy`] implementation as the component's `policy` world.
#[macro_export]
macro_rules! export_policy {
    ($policy:ty) => {
        struct __PalisadeExport;
        impl $crate::bindings::Guest for __PalisadeExport {
            fn info() -> $crate::bindings::palisade::policy::types::PolicyInfo {
                $crate::adapter::info::<$policy>()
            }
            fn requests(
                resources: ::std::vec::Vec<$crate::bindings::palisade::policy::types::Resource>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                ::std::vec::Vec<$crate::bindings::palisade::policy::types::EvidenceRequest>,
                ::std::string::String,
            > {
                $crate::adapter::requests::<$policy>(resources, settings)
            }
            fn evaluate(
                input: $crate::bindings::palisade::policy::types::Evaluation,
            ) -> ::std::result::Result<
                ::std::vec::Vec<$crate::bindings::palisade::policy::types::Finding>,
                ::std::string::String,
            > {
                $crate::adapter::evaluate::<$policy>(input)
            }
        }
        $crate::bindings::export!(__PalisadeExport with_types_in $crate::bindings);
    };
}
